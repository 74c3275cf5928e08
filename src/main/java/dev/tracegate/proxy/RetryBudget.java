package dev.tracegate.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps retries from multiplying the load on a failing upstream, one per upstream per gateway
 * (Envoy's retry budget): retries in flight may be at most {@value #PERCENT} % of the attempts in
 * flight to that upstream, and always at least {@value #MIN_CONCURRENT}. At low traffic a retry
 * always goes; when an upstream fails under load, the retries on top of its first attempts stay a
 * fifth of them instead of doubling them.
 */
public final class RetryBudget {
  static final int PERCENT = 20;
  static final int MIN_CONCURRENT = 3;

  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicInteger retries = new AtomicInteger();

  /** An attempt to the upstream begins ({@code retry}: it is not the request's first). */
  void started(boolean retry) {
    attempts.incrementAndGet();
    if (retry) {
      retries.incrementAndGet();
    }
  }

  /** The attempt has its answer, or failed. */
  void ended(boolean retry) {
    attempts.decrementAndGet();
    if (retry) {
      retries.decrementAndGet();
    }
  }

  /** Whether one more retry may go now. */
  boolean allowsRetry() {
    return retries.get() < Math.max(MIN_CONCURRENT, attempts.get() * PERCENT / 100);
  }
}
