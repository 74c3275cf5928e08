package dev.tracegate.config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * YAML + environment -> validated {@link GatewayConfig}. The environment is a parameter so tests
 * never depend on the real one. Every problem is a {@link ConfigException} naming its key.
 */
public final class ConfigLoader {
  private final Map<String, String> env;

  public ConfigLoader(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  public GatewayConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "configuration file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException(
          "", "cannot read configuration file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public GatewayConfig parse(String yaml, String source) {
    Map<String, Object> root = readYaml(yaml, source);
    EnvOverrides overrides = new EnvOverrides(env);
    ConfigNode node = ConfigNode.of("", root, overrides);
    GatewayConfig.Server server = server(node.child("server"));
    GatewayConfig.Admin admin = admin(node.child("admin"));
    TelemetryConfig telemetry = new TelemetryReader(env).read(node.child("telemetry"));
    GatewayConfig.Database database = database(node.child("database"));
    Map<String, UpstreamConfig> upstreams = upstreams(node.child("upstreams"));
    List<RouteConfig> routes = new RouteReader(upstreams, database).read(node, "routes");
    AccessLogConfig accessLog = accessLog(node.child("accessLog"));
    LogFormat logFormat = logging(node.child("logging"));
    GatewayConfig.EventBus eventBus = eventBus(node.child("eventBus"));
    node.finish();
    overrides.checkAllUsed();
    if (routes.stream().anyMatch(RouteConfig::usesDatabase)) {
      requireDatabase(database);
    }
    if (server.port() == admin.port() && server.port() != 0) {
      throw new ConfigException(
          "admin.port", "must differ from server.port (" + server.port() + ")");
    }
    return new GatewayConfig(
        server, admin, telemetry, database, upstreams, routes, accessLog, logFormat, eventBus);
  }

  /**
   * SQL routes need a database the user chose: a forgotten {@code database.url} must not quietly
   * start an empty embedded server (trust authentication, a superuser) in production.
   */
  public static void requireDatabase(GatewayConfig.Database database) {
    if (database.url().isEmpty() && !database.embedded()) {
      throw new ConfigException(
          "database.url",
          "is required by SQL routes (or TRACEGATE_DATABASE_URL); database.embedded: true starts a"
              + " throwaway embedded PostgreSQL instead, for demos and tests");
    }
  }

  private static Map<String, Object> readYaml(String yaml, String source) {
    Object parsed;
    try {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      String firstLine = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new ConfigException("", source + " is not valid YAML: " + firstLine);
    }
    if (parsed == null) {
      return new LinkedHashMap<>();
    }
    if (!(parsed instanceof Map)) {
      throw new ConfigException("", source + " must be a YAML mapping at the top level");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> root = (Map<String, Object>) parsed;
    return root;
  }

  private static GatewayConfig.Server server(ConfigNode n) {
    var s =
        new GatewayConfig.Server(
            n.string("host", "0.0.0.0"),
            (int) n.integer("port", GatewayConfig.Server.DEFAULT_PORT, 0, 65535),
            (int)
                n.integer("maxInFlight", GatewayConfig.Server.DEFAULT_MAX_IN_FLIGHT, 1, 10_000_000),
            n.integer(
                "maxBodyBytes", GatewayConfig.Server.DEFAULT_MAX_BODY_BYTES, 0, Integer.MAX_VALUE),
            n.duration("requestTimeout", GatewayConfig.Server.DEFAULT_REQUEST_TIMEOUT),
            n.duration("shutdownGrace", GatewayConfig.Server.DEFAULT_SHUTDOWN_GRACE),
            n.duration("headerTimeout", GatewayConfig.Server.DEFAULT_HEADER_TIMEOUT),
            (int) n.integer("eventLoops", 0, 0, 1024),
            transport(n),
            trustedProxies(n),
            n.integer(
                "maxBufferedBytes",
                GatewayConfig.Server.DEFAULT_MAX_BUFFERED_BYTES,
                0,
                Long.MAX_VALUE / 2));
    n.finish();
    return s;
  }

  private static IoTransport transport(ConfigNode n) {
    IoTransport t = n.choice("transport", IoTransport.class, IoTransport.AUTO);
    String why = t == IoTransport.AUTO ? null : t.unavailable();
    if (why != null) {
      throw new ConfigException(n.key("transport"), why);
    }
    return t;
  }

  private static List<Cidr> trustedProxies(ConfigNode n) {
    List<String> given = n.strings("trustedProxies", List.of());
    List<Cidr> out = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      out.add(Cidr.parse(n.key("trustedProxies") + "[" + i + "]", given.get(i)));
    }
    return out;
  }

  private static AccessLogConfig accessLog(ConfigNode n) {
    boolean enabled = n.bool("enabled", true);
    LogFormat format = n.choice("format", LogFormat.class, LogFormat.JSON);
    String output = n.string("output", AccessLogConfig.STDOUT).trim();
    Optional<Path> file =
        output.equals(AccessLogConfig.STDOUT) ? Optional.empty() : Optional.of(Path.of(output));
    if (enabled && file.isPresent()) {
      checkAppendable(n.key("output"), file.get());
    }
    var a =
        new AccessLogConfig(
            enabled,
            format,
            file,
            n.decimal("sample", 1.0, 0.0, 1.0),
            n.bool("otlp", false),
            n.bool("query", false));
    n.finish();
    return a;
  }

  /**
   * Fails when {@code file} could not be appended to (created, as nginx does, if absent), so a bad
   * path fails the start and {@code check}; reading the configuration itself creates nothing.
   */
  private static void checkAppendable(String key, Path file) {
    String problem = null;
    if (Files.isDirectory(file)) {
      problem = "is a directory";
    } else if (Files.exists(file)) {
      problem = Files.isWritable(file) ? null : "permission denied";
    } else {
      Path dir = file.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        problem = "no such directory";
      } else if (!Files.isWritable(dir)) {
        problem = "permission denied";
      }
    }
    if (problem != null) {
      throw new ConfigException(key, "cannot append to '" + file + "': " + problem);
    }
  }

  private static GatewayConfig.EventBus eventBus(ConfigNode n) {
    String host = n.string("host", GatewayConfig.EventBus.DEFAULT_HOST).trim();
    List<String> members = n.strings("members", List.of(host));
    for (int i = 0; i < members.size(); i++) {
      if (!members.get(i).matches("[A-Za-z0-9.\\-]+(:\\d{1,5})?")) {
        throw new ConfigException(
            n.key("members") + "[" + i + "]", "'" + members.get(i) + "' is not host or host:port");
      }
    }
    var e = new GatewayConfig.EventBus(n.bool("cluster", false), host, members);
    n.finish();
    return e;
  }

  private static LogFormat logging(ConfigNode n) {
    LogFormat format = n.choice("format", LogFormat.class, LogFormat.TEXT);
    n.finish();
    return format;
  }

  private static GatewayConfig.Admin admin(ConfigNode n) {
    var a =
        new GatewayConfig.Admin(
            n.string("host", "127.0.0.1"),
            (int) n.integer("port", GatewayConfig.Admin.DEFAULT_PORT, 0, 65535));
    n.finish();
    return a;
  }

  private static GatewayConfig.Database database(ConfigNode n) {
    String url = n.string("url", null);
    if (url != null && !url.isBlank() && !url.matches("(?i)(postgres|postgresql)://.*")) {
      throw new ConfigException(
          n.key("url"),
          "must start with postgresql:// (got '" + GatewayConfig.Database.redact(url) + "')");
    }
    if (url != null && !url.isBlank()) {
      try {
        io.vertx.pgclient.PgConnectOptions.fromUri(url);
      } catch (RuntimeException e) {
        // the driver's message quotes the URL, password and all
        throw new ConfigException(
            n.key("url"),
            "cannot be used ("
                + GatewayConfig.Database.redact(String.valueOf(e.getMessage()))
                + "): "
                + GatewayConfig.Database.redact(url));
      }
    }
    var d =
        new GatewayConfig.Database(
            Optional.ofNullable(url).filter(u -> !u.isBlank()),
            n.bool("embedded", false),
            (int) n.integer("poolSize", GatewayConfig.Database.DEFAULT_POOL_SIZE, 1, 1000),
            (int)
                n.integer(
                    "pipeliningLimit", GatewayConfig.Database.DEFAULT_PIPELINING_LIMIT, 1, 10_000),
            n.duration("connectTimeout", GatewayConfig.Database.DEFAULT_CONNECT_TIMEOUT),
            n.duration("queryTimeout", GatewayConfig.Database.DEFAULT_QUERY_TIMEOUT));
    n.finish();
    return d;
  }

  private static Map<String, UpstreamConfig> upstreams(ConfigNode all) {
    Map<String, UpstreamConfig> out = new LinkedHashMap<>();
    for (String name : all.keys()) {
      ConfigNode n = all.child(name);
      List<URI> urls = new ArrayList<>();
      List<String> given = n.strings("urls", List.of());
      if (given.isEmpty()) {
        throw new ConfigException(n.key("urls"), "is required: at least one http:// URL");
      }
      for (int i = 0; i < given.size(); i++) {
        urls.add(upstreamUrl(n.key("urls") + "[" + i + "]", given.get(i)));
      }
      out.put(
          name,
          new UpstreamConfig(
              name,
              urls,
              n.duration("connectTimeout", UpstreamConfig.DEFAULT_CONNECT_TIMEOUT),
              n.duration("timeout", UpstreamConfig.DEFAULT_TIMEOUT),
              n.duration("idleTimeout", UpstreamConfig.DEFAULT_IDLE_TIMEOUT),
              (int) n.integer("maxConnections", UpstreamConfig.DEFAULT_MAX_CONNECTIONS, 1, 100_000),
              circuitBreaker(n),
              outlierDetection(n),
              healthCheck(n)));
      n.finish();
    }
    all.finish();
    return out;
  }

  /**
   * An optional mapping {@code name} of {@code parent}, read by {@code reader} when present
   * (unknown keys refused).
   */
  private static <T> Optional<T> section(
      ConfigNode parent, String name, java.util.function.Function<ConfigNode, T> reader) {
    if (!parent.has(name)) {
      return Optional.empty();
    }
    ConfigNode n = parent.child(name);
    T value = reader.apply(n);
    n.finish();
    return Optional.of(value);
  }

  private static Optional<UpstreamConfig.CircuitBreaker> circuitBreaker(ConfigNode upstream) {
    return section(
        upstream,
        "circuitBreaker",
        n ->
            new UpstreamConfig.CircuitBreaker(
                n.decimal("failureRatio", 0.5, 0.01, 1.0),
                (int) n.integer("minRequests", 20, 1, 1_000_000),
                n.duration("window", Duration.ofSeconds(10)),
                n.duration("openFor", Duration.ofSeconds(5))));
  }

  private static Optional<UpstreamConfig.OutlierDetection> outlierDetection(ConfigNode upstream) {
    return section(
        upstream,
        "outlierDetection",
        n ->
            new UpstreamConfig.OutlierDetection(
                (int) n.integer("consecutiveFailures", 5, 1, 1_000_000),
                n.duration("baseEjection", Duration.ofSeconds(10)),
                (int) n.integer("maxEjectedPercent", 50, 1, 100)));
  }

  private static Optional<UpstreamConfig.HealthCheck> healthCheck(ConfigNode upstream) {
    return section(
        upstream,
        "healthCheck",
        n -> {
          String path = n.string("path", "/health");
          if (!path.startsWith("/")) {
            throw new ConfigException(n.key("path"), "'" + path + "' must start with /");
          }
          return new UpstreamConfig.HealthCheck(
              path,
              n.duration("interval", Duration.ofSeconds(5)),
              n.duration("timeout", Duration.ofSeconds(1)),
              (int) n.integer("unhealthyAfter", 2, 1, 1000),
              (int) n.integer("healthyAfter", 1, 1, 1000));
        });
  }

  private static URI upstreamUrl(String key, String text) {
    URI uri;
    try {
      uri = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "'" + text + "' is not a URL");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new ConfigException(
          key, "'" + text + "' must be an http:// or https:// URL with a host");
    }
    return uri;
  }
}
