package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * How an upstream's {@code maxConnections}, a bound for the whole process, is split over the event
 * loops. Each loop gets its own pool of its share (shares differ by at most one and add up to the
 * bound), so a request and its upstream connection stay on one thread. With fewer connections than
 * loops a loop's share would be zero: then every loop uses one pool of the whole bound, shared, and
 * requests from every loop wait for its connections in that pool's queue.
 */
public final class ConnectionShares {
  /** Requests that may wait per connection, as the pool's wait queue bounds them. */
  static final int WAITING_PER_CONNECTION = 64;

  private final Vertx vertx;
  private final int eventLoops;
  private final Map<UpstreamConfig, Shared> shared = new HashMap<>();

  public ConnectionShares(Vertx vertx, int eventLoops) {
    this.vertx = vertx;
    this.eventLoops = eventLoops;
  }

  /** One loop's pool of an upstream: the client, how many attempts go at once, and its release. */
  record Lease(HttpClient client, int slots, Runnable release) {}

  private static final class Shared {
    final HttpClient client;
    int users;

    Shared(HttpClient client) {
      this.client = client;
    }
  }

  /** The share of event loop {@code loop} (0-based) of {@code max} connections. */
  static int share(int max, int eventLoops, int loop) {
    return max / eventLoops + (loop < max % eventLoops ? 1 : 0);
  }

  /** The pool event loop {@code loop} uses for {@code config}. */
  Lease lease(UpstreamConfig config, int loop, HttpClientOptions options) {
    int max = config.maxConnections();
    if (max >= eventLoops) {
      int slots = share(max, eventLoops, loop);
      HttpClient client = vertx.createHttpClient(options, pool(slots));
      return new Lease(client, slots, client::close);
    }
    synchronized (shared) {
      Shared s =
          shared.computeIfAbsent(
              config, c -> new Shared(vertx.createHttpClient(options, pool(max))));
      s.users++;
      return new Lease(s.client, max, () -> release(config, s));
    }
  }

  private void release(UpstreamConfig config, Shared s) {
    synchronized (shared) {
      if (--s.users == 0) {
        shared.remove(config, s);
        s.client.close();
      }
    }
  }

  private static PoolOptions pool(int size) {
    return new PoolOptions()
        .setHttp1MaxSize(size)
        .setMaxWaitQueueSize(size * WAITING_PER_CONNECTION);
  }
}
