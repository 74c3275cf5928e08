package dev.tracegate.util;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by threads without a lock: {@code burst} takes at once, refilled one per
 * {@code intervalNanos}. One compare-and-set on the time the bucket would next be full (the generic
 * cell rate algorithm). Serves a route's {@code rateLimit} and the recent-trace buffer's intake.
 */
public final class TokenBucket {
  private final long intervalNanos;
  private final long burstNanos;

  /**
   * The theoretical arrival time: a take succeeds while it is at most {@code burstNanos} ahead of
   * now.
   */
  private final AtomicLong tat = new AtomicLong(Long.MIN_VALUE / 2);

  public TokenBucket(long intervalNanos, int burst) {
    this.intervalNanos = Math.max(1, intervalNanos);
    this.burstNanos = this.intervalNanos * (Math.max(1, burst) - 1);
  }

  /** {@code perSecond} takes a second on average, {@code burst} at once. */
  public static TokenBucket perSecond(double perSecond, int burst) {
    return new TokenBucket((long) (1_000_000_000L / perSecond), burst);
  }

  /** 0 when a token was taken now, else the nanoseconds until one would be there. */
  public long take(long now) {
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
