package dev.tracegate.route;

import dev.tracegate.config.RouteConfig;
import dev.tracegate.util.TokenBucket;
import java.util.HashMap;
import java.util.Map;

/**
 * A configured route ready to serve: its settings, precomputed span names, and the target that
 * answers it. Immutable; shared by all requests of one event loop.
 */
public final class Route {
  private final RouteConfig config;
  private final RouteTarget target;
  private final TokenBucket limiter;
  private final Map<String, String> spanNames = new HashMap<>();

  /**
   * {@code limiter}: the route's token bucket, shared by every event loop; null without {@code
   * rateLimit}.
   */
  public Route(RouteConfig config, RouteTarget target, TokenBucket limiter) {
    this.config = config;
    this.target = target;
    this.limiter = limiter;
    for (String m : config.methods()) {
      spanNames.put(m, m + " " + config.path());
    }
    spanNames.put("HEAD", "HEAD " + config.path());
  }

  /** 0 when the route's rate allows a request now, else the nanoseconds until it would. */
  long admit() {
    return limiter == null ? 0 : limiter.take(System.nanoTime());
  }

  public RouteConfig config() {
    return config;
  }

  public String name() {
    return config.name();
  }

  public String path() {
    return config.path();
  }

  public RouteTarget target() {
    return target;
  }

  /** The SERVER span's name for {@code known}, a {@link Framing#spanMethod}. */
  String spanName(String known) {
    String name = spanNames.get(known);
    return name != null ? name : Framing.spanNameMethod(known) + " " + config.path();
  }
}
