package dev.tracegate.config;

import dev.tracegate.config.RouteConfig.Compose;
import dev.tracegate.config.RouteConfig.ParamType;
import dev.tracegate.config.RouteConfig.Proxy;
import dev.tracegate.config.RouteConfig.Sql;
import dev.tracegate.config.RouteConfig.SqlParam;
import dev.tracegate.config.RouteConfig.SqlResult;
import dev.tracegate.config.RouteConfig.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and cross-checks the {@code routes} list: targets, upstream names, SQL placeholders, step
 * graphs.
 */
final class RouteReader {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
  private static final Pattern PATH =
      Pattern.compile("(/([A-Za-z0-9._~\\-]+|:[A-Za-z_][A-Za-z0-9_]*))*(/\\*|/)?");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");
  private static final Pattern TEMPLATE_REF = Pattern.compile("\\{([^{}]+)}");
  private static final Pattern PARAM =
      Pattern.compile("(path|query|header|body)\\.([A-Za-z0-9_\\-]+)(?::([a-z]+))?");

  private final Map<String, UpstreamConfig> upstreams;
  private final GatewayConfig.Database database;

  RouteReader(Map<String, UpstreamConfig> upstreams, GatewayConfig.Database database) {
    this.upstreams = upstreams;
    this.database = database;
  }

  List<RouteConfig> read(ConfigNode root, String key) {
    Object raw = root.raw(key);
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof List)) {
      throw new ConfigException(key, "expected a list of routes");
    }
    List<RouteConfig> routes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<?> list = (List<?>) raw;
    for (int i = 0; i < list.size(); i++) {
      RouteConfig r = route(root.item(key, i, list.get(i)));
      if (!names.add(r.name())) {
        throw new ConfigException(
            key + "[" + i + "].name", "duplicate route name '" + r.name() + "'");
      }
      routes.add(r);
    }
    return routes;
  }

  private RouteConfig route(ConfigNode n) {
    String name = n.requiredString("name");
    String path = n.requiredString("path");
    if (!PATH.matcher(path).matches() || !path.startsWith("/")) {
      throw new ConfigException(
          n.key("path"),
          "'" + path + "' is not a route path (e.g. /api/orders/*, /api/stock/:sku)");
    }
    Set<String> methods = new LinkedHashSet<>();
    for (String m : n.strings("methods", List.of("GET"))) {
      String upper = m.toUpperCase(Locale.ROOT);
      if (!METHODS.contains(upper)) {
        throw new ConfigException(n.key("methods"), "'" + m + "' is not an HTTP method");
      }
      methods.add(upper);
    }
    OptionalDouble sampling =
        n.has("sampling")
            ? OptionalDouble.of(n.decimal("sampling", 1.0, 0.0, 1.0))
            : OptionalDouble.empty();
    Optional<RouteConfig.RateLimit> rateLimit = Optional.empty();
    if (n.has("rateLimit")) {
      ConfigNode r = n.child("rateLimit");
      double rate = r.decimal("requestsPerSecond", 0, 0.001, 10_000_000);
      if (!r.has("requestsPerSecond")) {
        throw new ConfigException(r.key("requestsPerSecond"), "is required");
      }
      int burst = (int) r.integer("burst", Math.max(1, (long) Math.ceil(rate)), 1, 100_000_000);
      r.finish();
      rateLimit = Optional.of(new RouteConfig.RateLimit(rate, burst));
    }
    Set<String> pathParams = pathParams(path);
    String kind = onlyKind(n, TARGET_KINDS, "a route", name);
    RouteConfig.Target target;
    switch (kind) {
      case "proxy":
        target = proxy(n.child(kind), pathParams, Set.of());
        break;
      case "sql":
        target = sql(n.child(kind), pathParams);
        break;
      case "bus":
        target = bus(n.child(kind));
        break;
      default:
        target = compose(n.child(kind), pathParams);
    }
    n.finish();
    return new RouteConfig(name, path, methods, sampling, rateLimit, target);
  }

  /** The route kinds, by their YAML key; a route has exactly one. */
  private static final List<String> TARGET_KINDS = List.of("proxy", "sql", "compose", "bus");

  /** What a compose step may call. */
  private static final List<String> CALL_KINDS = List.of("proxy", "sql", "bus");

  private static RouteConfig.Bus bus(ConfigNode n) {
    String address = n.requiredString("address");
    if (!address.matches("[A-Za-z0-9._:/-]+")) {
      throw new ConfigException(
          n.key("address"),
          "'" + address + "' is not an event-bus address (letters, digits, . _ : / -)");
    }
    var bus =
        new RouteConfig.Bus(
            address,
            n.choice("mode", RouteConfig.BusMode.class, RouteConfig.BusMode.REQUEST),
            n.duration("timeout", RouteConfig.Bus.DEFAULT_TIMEOUT));
    n.finish();
    return bus;
  }

  /** The one key of {@code kinds} that {@code n} has, or an error naming them all. */
  private static String onlyKind(ConfigNode n, List<String> kinds, String what, String name) {
    List<String> present = kinds.stream().filter(n::has).toList();
    if (present.size() != 1) {
      throw new ConfigException(
          n.key(present.isEmpty() ? kinds.get(0) : present.get(1)),
          what
              + " needs exactly one of "
              + String.join(", ", kinds)
              + " ('"
              + name
              + "' has "
              + (present.isEmpty() ? "none" : String.join(" and ", present))
              + ")");
    }
    return present.get(0);
  }

  private static Set<String> pathParams(String path) {
    Set<String> out = new HashSet<>();
    for (String seg : path.split("/")) {
      if (seg.startsWith(":")) {
        out.add(seg.substring(1));
      }
    }
    return out;
  }

  private Proxy proxy(ConfigNode n, Set<String> pathParams, Set<String> steps) {
    String upstream = n.requiredString("upstream");
    if (!upstreams.containsKey(upstream)) {
      throw new ConfigException(
          n.key("upstream"),
          "unknown upstream '"
              + upstream
              + "' ("
              + (upstreams.isEmpty()
                  ? "no upstreams are configured"
                  : "known: " + String.join(", ", upstreams.keySet()))
              + ")");
    }
    Optional<String> strip = Optional.ofNullable(n.string("stripPrefix", null));
    strip.ifPresent(
        s -> {
          if (!s.startsWith("/")) {
            throw new ConfigException(n.key("stripPrefix"), "must start with /");
          }
        });
    Optional<String> path = Optional.ofNullable(n.string("path", null));
    path.ifPresent(p -> checkTemplate(n.key("path"), p, pathParams, steps));
    Optional<Duration> timeout =
        Optional.ofNullable(n.has("timeout") ? n.duration("timeout", null) : null);
    int retries = (int) n.integer("retries", 0, 0, 10);
    n.finish();
    return new Proxy(upstream, strip, path, timeout, retries);
  }

  /**
   * Template references: {@code path.X} of the route, {@code query.X}, {@code header.X}, or {@code
   * STEP.body.FIELD}.
   */
  private static void checkTemplate(
      String key, String template, Set<String> pathParams, Set<String> steps) {
    if (!template.startsWith("/")) {
      throw new ConfigException(key, "'" + template + "' must start with /");
    }
    Matcher m = TEMPLATE_REF.matcher(template);
    while (m.find()) {
      String ref = m.group(1);
      String[] parts = ref.split("\\.");
      boolean ok =
          parts.length == 2 && parts[0].equals("path") && pathParams.contains(parts[1])
              || parts.length == 2 && (parts[0].equals("query") || parts[0].equals("header"))
              || parts.length >= 3 && steps.contains(parts[0]) && parts[1].equals("body");
      if (!ok) {
        throw new ConfigException(
            key,
            "'{"
                + ref
                + "}' refers to nothing known (use path.PARAM, query.X, header.X"
                + (steps.isEmpty() ? "" : " or STEP.body.FIELD of a step listed in after")
                + ")");
      }
    }
  }

  private Sql sql(ConfigNode n, Set<String> pathParams) {
    String query = n.requiredString("query");
    List<SqlParam> params = new ArrayList<>();
    List<String> given = n.strings("params", List.of());
    for (int i = 0; i < given.size(); i++) {
      params.add(param(n.key("params") + "[" + i + "]", given.get(i), pathParams));
    }
    int highest = 0;
    Matcher m = PLACEHOLDER.matcher(query);
    Set<Integer> used = new HashSet<>();
    while (m.find()) {
      int p = Integer.parseInt(m.group(1));
      used.add(p);
      highest = Math.max(highest, p);
    }
    if (highest != params.size() || used.size() != highest) {
      throw new ConfigException(
          n.key("params"),
          "the query uses "
              + placeholders(highest, used)
              + " but "
              + params.size()
              + " param(s) are declared");
    }
    SqlResult result = n.choice("result", SqlResult.class, SqlResult.ROWS);
    Optional<Duration> timeout =
        Optional.ofNullable(n.has("timeout") ? n.duration("timeout", null) : null);
    n.finish();
    return new Sql(query, params, result, timeout.or(() -> Optional.of(database.queryTimeout())));
  }

  private static String placeholders(int highest, Set<Integer> used) {
    if (highest == 0) {
      return "no $N placeholders";
    }
    return used.size() == highest ? "$1..$" + highest : "placeholders with gaps (" + used + ")";
  }

  private static SqlParam param(String key, String spec, Set<String> pathParams) {
    Matcher m = PARAM.matcher(spec);
    if (!m.matches()) {
      throw new ConfigException(
          key,
          "'"
              + spec
              + "' is not SOURCE.NAME[:TYPE] (path|query|header|body, "
              + "types int bigint numeric bool uuid json)");
    }
    SqlParam.Source source = SqlParam.Source.valueOf(m.group(1).toUpperCase(Locale.ROOT));
    if (source == SqlParam.Source.PATH && !pathParams.contains(m.group(2))) {
      throw new ConfigException(key, "the route path has no :" + m.group(2));
    }
    ParamType type = ParamType.TEXT;
    if (m.group(3) != null) {
      try {
        type = ParamType.valueOf(m.group(3).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            key, "unknown type ':" + m.group(3) + "' (int bigint numeric bool uuid json)");
      }
    }
    return new SqlParam(source, m.group(2), type);
  }

  private Compose compose(ConfigNode n, Set<String> pathParams) {
    Duration timeout = n.duration("timeout", Compose.DEFAULT_TIMEOUT);
    long maxStepBytes =
        n.integer("maxStepBytes", Compose.DEFAULT_MAX_STEP_BYTES, 1, 256L * 1024 * 1024);
    ConfigNode stepsNode = n.child("steps");
    if (stepsNode.keys().isEmpty()) {
      throw new ConfigException(n.key("steps"), "at least one step is required");
    }
    Map<String, Step> steps = new LinkedHashMap<>();
    for (String name : stepsNode.keys()) {
      steps.put(name, step(stepsNode.child(name), name, pathParams, stepsNode.keys()));
    }
    stepsNode.finish();
    n.finish();
    checkAcyclic(n.key("steps"), steps);
    return new Compose(timeout, maxStepBytes, steps);
  }

  private Step step(ConfigNode n, String name, Set<String> pathParams, Set<String> allSteps) {
    List<String> after = n.strings("after", List.of());
    for (String a : after) {
      if (!allSteps.contains(a) || a.equals(name)) {
        throw new ConfigException(n.key("after"), "unknown step '" + a + "'");
      }
    }
    boolean required = n.bool("required", true);
    RouteConfig.Call call;
    String kind = onlyKind(n, CALL_KINDS, "a step", name);
    if (kind.equals("bus")) {
      call = bus(n.child("bus"));
    } else if (kind.equals("proxy")) {
      Proxy proxy = proxy(n.child("proxy"), pathParams, Set.copyOf(after));
      if (proxy.path().isEmpty()) {
        throw new ConfigException(n.key("proxy.path"), "is required for a compose step");
      }
      call = proxy;
    } else {
      call = sql(n.child("sql"), pathParams);
    }
    n.finish();
    return new Step(name, after, required, call);
  }

  private static void checkAcyclic(String key, Map<String, Step> steps) {
    Set<String> done = new HashSet<>();
    while (done.size() < steps.size()) {
      boolean progress = false;
      for (Step s : steps.values()) {
        if (!done.contains(s.name()) && done.containsAll(s.after())) {
          done.add(s.name());
          progress = true;
        }
      }
      if (!progress) {
        throw new ConfigException(key, "the steps' after lists form a cycle");
      }
    }
  }
}
