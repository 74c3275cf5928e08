package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.telemetry.Redaction;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An upstream as one event loop sees it: its settings, a keep-alive connection pool and the
 * endpoint selector. The pool holds {@code maxConnections / eventLoops} connections per endpoint,
 * so the process as a whole keeps to the configured bound. Vert.x tracing is off on this client:
 * tracegate owns one CLIENT span per attempt, also for attempts that never reach a socket.
 */
public final class Upstream {
  private final UpstreamConfig config;
  private final HttpClient client;
  private final RoundRobinSelector selector;
  private final GatewayMetrics metrics;
  private final Set<String> redactQueryKeys;
  private final CircuitBreaker breaker;

  public Upstream(Vertx vertx, UpstreamConfig config, int eventLoops, GatewayMetrics metrics,
                  Set<String> redactQueryKeys, CircuitBreaker breaker) {
    this.config = config;
    this.breaker = breaker;
    this.metrics = metrics;
    this.redactQueryKeys = redactQueryKeys;
    int perLoop = Math.max(1, (config.maxConnections() + eventLoops - 1) / eventLoops);
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setIdleTimeout((int) config.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setKeepAliveTimeout((int) Math.max(1, config.idleTimeout().toSeconds()))
        .setDecompressionSupported(false)
        .setTracingPolicy(TracingPolicy.IGNORE);
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(perLoop)
        .setMaxWaitQueueSize(perLoop * 64);
    this.client = vertx.createHttpClient(options, pool);
    List<Endpoint> endpoints = new ArrayList<>();
    config.urls().forEach(u -> endpoints.add(new Endpoint(u)));
    this.selector = new RoundRobinSelector(endpoints);
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

  GatewayMetrics metrics() {
    return metrics;
  }

  /** {@code url.full} of an attempt to {@code uri} on {@code endpoint}, secret query values masked. */
  String spanUrl(Endpoint endpoint, String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? endpoint.url(uri)
        : endpoint.url(uri.substring(0, q + 1) + Redaction.query(uri.substring(q + 1), redactQueryKeys));
  }

  /** The upstream's circuit, shared by every event loop; null without {@code circuitBreaker}. */
  CircuitBreaker breaker() {
    return breaker;
  }

  RoundRobinSelector selector() {
    return selector;
  }

  /** Closes the connection pool (a reload retired this upstream and its last request is done). */
  public void close() {
    client.close();
  }
}
