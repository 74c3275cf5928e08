package dev.tracegate.route;

import dev.tracegate.config.RouteConfig;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket for one route, shared by every event loop of the gateway: {@code burst} requests
 * at once, refilled at {@code requestsPerSecond}. Lock-free: one compare-and-set on the time the
 * bucket is next full, a generic cell rate algorithm in effect.
 */
public final class RateLimiter {
  private final long intervalNanos;
  private final long burstNanos;
  /** The theoretical arrival time: requests are admitted while it is at most {@code burstNanos} ahead. */
  private final AtomicLong tat = new AtomicLong(Long.MIN_VALUE / 2);

  public RateLimiter(RouteConfig.RateLimit limit) {
    this.intervalNanos = Math.max(1, (long) (1_000_000_000L / limit.requestsPerSecond()));
    this.burstNanos = intervalNanos * (limit.burst() - 1);
  }

  /** 0 when the request may go now, else the nanoseconds until one more would be allowed. */
  long acquire() {
    long now = System.nanoTime();
    while (true) {
      long current = tat.get();
      long start = Math.max(current, now);
      if (start - now > burstNanos) {
        return start - now - burstNanos;
      }
      if (tat.compareAndSet(current, start + intervalNanos)) {
        return 0;
      }
    }
  }
}
