package dev.tracegate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One configured route: a path pattern, the methods it answers, and its one {@link Target}.
 *
 * <p>A new kind of route is one record implementing {@code Target} (and {@code Call}, if compose
 * steps may use it), its reader in {@code RouteReader.KINDS}, its package with a {@code
 * RouteTarget}, and one line in the gateway's {@code Targets}.
 */
public record RouteConfig(
    String name,
    String path,
    Set<String> methods,
    OptionalDouble sampling,
    Optional<RateLimit> rateLimit,
    Target target) {

  public RouteConfig {
    methods = Set.copyOf(methods);
  }

  /**
   * {@code rateLimit}: a token bucket per gateway instance, {@code burst} tokens refilled at {@code
   * requestsPerSecond}.
   */
  public record RateLimit(double requestsPerSecond, int burst) {}

  /** What answers a route: exactly one kind, so "one target" holds by construction. */
  public sealed interface Target permits Proxy, Sql, Compose, Bus {}

  /** What one compose step calls. */
  public sealed interface Call permits Proxy, Sql, Bus {}

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
      int retries)
      implements Target, Call {}

  /**
   * Hand the request to event-bus consumers at {@code address}: {@code request} waits up to {@code
   * timeout} for one consumer's reply, {@code publish} gives every consumer a copy and answers 202
   * at once.
   */
  public record Bus(String address, BusMode mode, Duration timeout) implements Target, Call {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  }

  public enum BusMode {
    REQUEST,
    PUBLISH
  }

  /** A parameterized statement; {@code params[i]} binds {@code $(i+1)}. */
  public record Sql(
      String query, List<SqlParam> params, SqlResult result, Optional<Duration> timeout)
      implements Target, Call {
    public Sql {
      params = List.copyOf(params);
    }
  }

  /** Where a statement parameter comes from and what PostgreSQL type it is sent as. */
  public record SqlParam(Source source, String name, ParamType type) {
    public enum Source {
      PATH,
      QUERY,
      HEADER,
      BODY
    }

    @Override
    public String toString() {
      return source.name().toLowerCase()
          + "."
          + name
          + (type == ParamType.TEXT ? "" : ":" + type.name().toLowerCase());
    }
  }

  public enum ParamType {
    TEXT,
    INT,
    BIGINT,
    NUMERIC,
    BOOL,
    UUID,
    JSON
  }

  public enum SqlResult {
    ROW,
    ROWS,
    COUNT
  }

  /** Fan-out: named steps, run as soon as the steps they come {@code after} have finished. */
  public record Compose(Duration timeout, long maxStepBytes, Map<String, Step> steps)
      implements Target {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The most an upstream step's answer may be: it is held whole, to be parsed and merged. */
    public static final long DEFAULT_MAX_STEP_BYTES = 1_048_576;

    public Compose {
      steps =
          java.util.Collections.unmodifiableMap(
              new java.util.LinkedHashMap<>(steps)); // config order
    }
  }

  /** One compose step: a proxy or SQL call, optional when {@code required} is false. */
  public record Step(String name, List<String> after, boolean required, Call call) {
    public Step {
      after = List.copyOf(after);
    }
  }

  boolean usesDatabase() {
    return target instanceof Sql
        || target instanceof Compose c
            && c.steps().values().stream().anyMatch(s -> s.call() instanceof Sql);
  }
}
