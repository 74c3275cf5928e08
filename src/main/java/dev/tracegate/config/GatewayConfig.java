package dev.tracegate.config;

import dev.tracegate.util.Urls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole validated configuration: immutable, built once by {@link ConfigLoader}. */
public record GatewayConfig(
    Server server,
    Admin admin,
    TelemetryConfig telemetry,
    Database database,
    Map<String, UpstreamConfig> upstreams,
    List<RouteConfig> routes,
    AccessLogConfig accessLog,
    LogFormat logFormat,
    EventBus eventBus) {

  public GatewayConfig {
    upstreams = Map.copyOf(upstreams);
    routes = List.copyOf(routes);
  }

  /** The public listener and the limits every request is held to. */
  public record Server(
      String host,
      int port,
      int maxInFlight,
      long maxBodyBytes,
      Duration requestTimeout,
      Duration shutdownGrace,
      Duration headerTimeout,
      int eventLoops,
      IoTransport transport,
      List<Cidr> trustedProxies,
      long maxBufferedBytes) {
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    public static final long DEFAULT_MAX_BODY_BYTES = 1_048_576;

    /** Request bodies held in memory at once, all requests together. */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 32L * 1_048_576;

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

    public Server {
      trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * Whether the peer at {@code address} is a proxy whose {@code X-Forwarded-*} headers are
     * believed.
     */
    public boolean trusts(String address) {
      for (Cidr c : trustedProxies) {
        if (c.contains(address)) {
          return true;
        }
      }
      return false;
    }

    /** Event loops (and gateway verticles): {@code eventLoops}, or one per CPU when it is 0. */
    public int eventLoopCount() {
      return eventLoops > 0 ? eventLoops : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * {@code eventBus}: with {@code cluster} the gateway joins a Vert.x cluster (Hazelcast, TCP/IP
   * join with the listed {@code members}, no multicast), so consumers in other processes answer its
   * bus routes. {@code host} is this member's address, for the cluster and the event bus.
   */
  public record EventBus(boolean cluster, String host, List<String> members) {
    public static final String DEFAULT_HOST = "127.0.0.1";

    public EventBus {
      members = List.copyOf(members);
    }

    public static EventBus local() {
      return new EventBus(false, DEFAULT_HOST, List.of(DEFAULT_HOST));
    }
  }

  /** Health, metrics and the local trace view; loopback-only unless told otherwise. */
  public record Admin(String host, int port) {
    public static final int DEFAULT_PORT = 9090;
  }

  /**
   * The PostgreSQL pool behind SQL routes. Without a {@code url}, only {@code embedded: true} (the
   * demo's, the tests') starts a throwaway embedded server; otherwise SQL routes stop the start.
   */
  public record Database(
      Optional<String> url,
      boolean embedded,
      int poolSize,
      int pipeliningLimit,
      Duration connectTimeout,
      Duration queryTimeout) {
    public static final int DEFAULT_POOL_SIZE = 8;
    public static final int DEFAULT_PIPELINING_LIMIT = 256;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);

    /** The same settings with {@code url} as the database. */
    public Database withUrl(String other) {
      return new Database(
          Optional.of(other), embedded, poolSize, pipeliningLimit, connectTimeout, queryTimeout);
    }

    /** The URL with any password masked, for logs. */
    public String redactedUrl() {
      return url.map(Database::redact).orElse("embedded");
    }

    /** A database URL as logs show it: no user-info, no query (see {@link Urls#redact}). */
    public static String redact(String url) {
      return Urls.redact(url);
    }

    @Override
    public String toString() {
      return "Database[url=" + redactedUrl() + ", poolSize=" + poolSize + "]";
    }
  }

  /** This configuration with another database section. */
  public GatewayConfig withDatabase(Database other) {
    return new GatewayConfig(
        server, admin, telemetry, other, upstreams, routes, accessLog, logFormat, eventBus);
  }

  /** True when any route, directly or in a compose step, talks to PostgreSQL. */
  public boolean usesDatabase() {
    return routes.stream().anyMatch(RouteConfig::usesDatabase);
  }
}
