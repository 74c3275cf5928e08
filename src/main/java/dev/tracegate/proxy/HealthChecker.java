package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.tracing.TracingPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Active health checks of one upstream's endpoints, one per gateway: every {@code interval} a
 * {@code GET path} to each endpoint, a 2xx or 3xx within {@code timeout} a pass; after {@code
 * unhealthyAfter} failed checks in a row the endpoint is out of the selector, after {@code
 * healthyAfter} passes it is back. Not traced (a probe is no request of anyone's).
 */
public final class HealthChecker {
  /** Hears an endpoint going down ({@code false}) or coming back ({@code true}). */
  public interface Listener {
    void changed(String endpoint, boolean healthy);
  }

  private final Vertx vertx;
  private final UpstreamConfig.HealthCheck config;
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final HttpClient client;
  private final Listener listener;
  private final AtomicIntegerArray in;
  private final int[] passes;
  private final int[] fails;
  private final List<Long> timers = new ArrayList<>();

  /**
   * Changes not yet told to a request: the next attempt to this upstream carries them as span
   * events.
   */
  private final ConcurrentLinkedQueue<String> news = new ConcurrentLinkedQueue<>();

  public HealthChecker(
      Vertx vertx, List<URI> urls, UpstreamConfig.HealthCheck config, Listener listener) {
    this.vertx = vertx;
    this.config = config;
    for (int i = 0; i < urls.size(); i++) {
      endpoints.add(new Endpoint(urls.get(i), i));
    }
    this.listener = listener;
    this.in = new AtomicIntegerArray(urls.size());
    for (int i = 0; i < urls.size(); i++) {
      in.set(i, 1); // in until checks say otherwise, as before health checks existed
    }
    this.passes = new int[urls.size()];
    this.fails = new int[urls.size()];
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setKeepAlive(false)
                .setConnectTimeout((int) config.timeout().toMillis()));
  }

  public void start() {
    for (int i = 0; i < endpoints.size(); i++) {
      int index = i;
      synchronized (timers) {
        timers.add(vertx.setPeriodic(config.interval().toMillis(), id -> check(index)));
      }
    }
  }

  private void check(int i) {
    Endpoint e = endpoints.get(i);
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost(e.host)
            .setPort(e.port)
            .setSsl(e.ssl)
            .setURI(config.path())
            .setConnectTimeout(config.timeout().toMillis())
            .setIdleTimeout(config.timeout().toMillis());
    client
        .request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> result(i, ar.succeeded() && ar.result() >= 200 && ar.result() < 400));
  }

  /**
   * Runs on the periodic timer's event loop; one check per endpoint at a time, so plain counters.
   */
  private synchronized void result(int i, boolean passed) {
    if (passed) {
      fails[i] = 0;
      if (++passes[i] >= config.healthyAfter() && in.compareAndSet(i, 0, 1)) {
        news.add("endpoint " + address(i) + " back in: passes its health checks again");
        listener.changed(address(i), true);
      }
    } else {
      passes[i] = 0;
      if (++fails[i] >= config.unhealthyAfter() && in.compareAndSet(i, 1, 0)) {
        news.add("endpoint " + address(i) + " out: failed " + fails[i] + " health checks in a row");
        listener.changed(address(i), false);
      }
    }
  }

  private String address(int i) {
    return endpoints.get(i).address();
  }

  /** Changes since the last call, oldest first, for the span of the attempt that asks. */
  List<String> takeNews() {
    if (news.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String n = news.poll(); n != null; n = news.poll()) {
      out.add(n);
    }
    return out;
  }

  /** Whether endpoint {@code i} passes its checks. */
  public boolean healthy(int i) {
    return in.get(i) == 1;
  }

  public void stop() {
    synchronized (timers) {
      timers.forEach(vertx::cancelTimer);
      timers.clear();
    }
    client.close();
  }
}
