package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.telemetry.Redaction;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An upstream as one event loop sees it: its settings, a keep-alive connection pool and the
 * endpoint selector. The pool holds this loop's share of {@code maxConnections} per endpoint (see
 * {@link ConnectionShares}), so the process as a whole keeps to the configured bound. Vert.x
 * tracing is off on this client: tracegate owns one CLIENT span per attempt, also for attempts that
 * never reach a socket.
 */
public final class Upstream {
  private final UpstreamConfig config;
  private final HttpClient client;
  private final RoundRobinSelector selector;
  private final GatewayMetrics metrics;
  private final Set<String> redactQueryKeys;
  private final Guards guards;
  private final ConnectionQueue queue;
  private final Runnable release;

  /** {@code loop}'s view of the upstream, its pool leased from {@code shares}. */
  public Upstream(
      ConnectionShares shares,
      int loop,
      UpstreamConfig config,
      GatewayMetrics metrics,
      Set<String> redactQueryKeys,
      Guards guards) {
    this.config = config;
    this.guards = guards;
    this.metrics = metrics;
    this.redactQueryKeys = redactQueryKeys;
    HttpClientOptions options =
        new HttpClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) config.connectTimeout().toMillis())
            .setIdleTimeout((int) config.idleTimeout().toMillis())
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setKeepAliveTimeout((int) Math.max(1, config.idleTimeout().toSeconds()))
            .setDecompressionSupported(false)
            .setTracingPolicy(TracingPolicy.IGNORE);
    ConnectionShares.Lease lease = shares.lease(config, loop, options);
    this.client = lease.client();
    this.release = lease.release();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < config.urls().size(); i++) {
      endpoints.add(new Endpoint(config.urls().get(i), i));
    }
    this.selector = new RoundRobinSelector(endpoints, guards);
    this.queue =
        new ConnectionQueue(
            endpoints.size(),
            lease.slots(),
            lease.slots() * ConnectionShares.WAITING_PER_CONNECTION,
            metrics.upstreamQueued(config.name()));
  }

  /**
   * {@code host:port} of an upstream URL, the port defaulted by scheme: how logs, spans and metrics
   * name an endpoint.
   */
  public static String address(java.net.URI url) {
    int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    return url.getHost() + ":" + port;
  }

  public String name() {
    return config.name();
  }

  public UpstreamConfig config() {
    return config;
  }

  HttpClient client() {
    return client;
  }

  /** Where attempts wait for one of this event loop's pooled connections to an endpoint. */
  ConnectionQueue queue() {
    return queue;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  /**
   * {@code url.full} of an attempt to {@code uri} on {@code endpoint}, secret query values masked.
   */
  String spanUrl(Endpoint endpoint, String uri) {
    int q = uri.indexOf('?');
    return q < 0
        ? endpoint.url(uri)
        : endpoint.url(
            uri.substring(0, q + 1) + Redaction.query(uri.substring(q + 1), redactQueryKeys));
  }

  /**
   * What guards an upstream across every event loop of the gateway: its circuit and its endpoints'
   * outlier state, each null when not configured.
   */
  public record Guards(
      CircuitBreaker breaker, OutlierDetector outliers, HealthChecker health, RetryBudget retries) {
    /** For an upstream on its own (tests, tools): nothing configured, a budget of its own. */
    public static Guards none() {
      return new Guards(null, null, null, new RetryBudget());
    }

    /** Whether endpoint {@code i} may take traffic: not ejected, and passing its health checks. */
    public boolean available(int i, long now) {
      return (outliers == null || outliers.available(i, now))
          && (health == null || health.healthy(i));
    }

    /** Stops what runs on its own (the health checks). */
    public void stop() {
      if (health != null) {
        health.stop();
      }
    }
  }

  /** The upstream's circuit, shared by every event loop; null without {@code circuitBreaker}. */
  CircuitBreaker breaker() {
    return guards.breaker();
  }

  /** Health-check changes not yet told to a request (none without {@code healthCheck}). */
  List<String> healthNews() {
    return guards.health() == null ? List.of() : guards.health().takeNews();
  }

  /** Its retry budget, shared by every event loop. */
  RetryBudget retries() {
    return guards.retries();
  }

  /**
   * Its endpoints' outlier state, shared by every event loop; null without {@code
   * outlierDetection}.
   */
  OutlierDetector outliers() {
    return guards.outliers();
  }

  RoundRobinSelector selector() {
    return selector;
  }

  /** Closes the connection pool (a reload retired this upstream and its last request is done). */
  public void close() {
    release.run();
  }
}
