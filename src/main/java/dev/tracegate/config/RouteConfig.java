package dev.tracegate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One configured route: a path pattern, the methods it answers, and exactly one target
 * (proxy, SQL or compose).
 */
public record RouteConfig(
    String name,
    String path,
    Set<String> methods,
    OptionalDouble sampling,
    Optional<Proxy> proxy,
    Optional<Sql> sql,
    Optional<Compose> compose) {

  public RouteConfig {
    methods = Set.copyOf(methods);
  }

  /**
   * Forward to an upstream. {@code path} is a template such as {@code /orders/{path.id}}; without
   * it the incoming path is forwarded, less {@code stripPrefix}. {@code timeout} empty means the
   * upstream's own.
   */
  public record Proxy(
      String upstream,
      Optional<String> stripPrefix,
      Optional<String> path,
      Optional<Duration> timeout,
      int retries) {}

  /** A parameterized statement; {@code params[i]} binds {@code $(i+1)}. */
  public record Sql(String query, List<SqlParam> params, SqlResult result, Optional<Duration> timeout) {
    public Sql {
      params = List.copyOf(params);
    }
  }

  /** Where a statement parameter comes from and what PostgreSQL type it is sent as. */
  public record SqlParam(Source source, String name, ParamType type) {
    public enum Source { PATH, QUERY, HEADER, BODY }

    @Override
    public String toString() {
      return source.name().toLowerCase() + "." + name
          + (type == ParamType.TEXT ? "" : ":" + type.name().toLowerCase());
    }
  }

  public enum ParamType { TEXT, INT, BIGINT, NUMERIC, BOOL, UUID, JSON }

  public enum SqlResult { ROW, ROWS, COUNT }

  /** Fan-out: named steps, run as soon as the steps they come {@code after} have finished. */
  public record Compose(Duration timeout, Map<String, Step> steps) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public Compose {
      steps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(steps)); // config order
    }
  }

  /** One compose step: a proxy or SQL call, optional when {@code required} is false. */
  public record Step(String name, List<String> after, boolean required, Optional<Proxy> proxy, Optional<Sql> sql) {
    public Step {
      after = List.copyOf(after);
    }
  }

  boolean usesDatabase() {
    return sql.isPresent()
        || compose.map(c -> c.steps().values().stream().anyMatch(s -> s.sql().isPresent())).orElse(false);
  }
}
