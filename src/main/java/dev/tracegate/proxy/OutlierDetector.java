package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Passive health of one upstream's endpoints, shared by every event loop (endpoints by their
 * position in {@code urls}): {@code consecutiveFailures} failed attempts in a row (connect failure,
 * reset, timeout, 5xx) eject an endpoint for {@code baseEjection} times the number of times it has
 * been ejected, while no more than {@code maxEjectedPercent} of the endpoints are out at once; it
 * is back when its time is up. Lock-free; the selector asks it before each pick.
 */
public final class OutlierDetector {
  /** What a change meant, for the span event and the log line. */
  public record Change(int endpoint, boolean ejected, long forNanos, int times) {}

  private final UpstreamConfig.OutlierDetection config;
  private final int size;
  private final AtomicIntegerArray failuresInARow;
  private final AtomicIntegerArray timesEjected;
  private final AtomicLongArray ejectedUntil;

  /** 1 while an endpoint is out (its restoration is reported once). */
  private final AtomicIntegerArray out;

  private final AtomicInteger outNow = new AtomicInteger();

  public OutlierDetector(UpstreamConfig.OutlierDetection config, int endpoints) {
    this.config = config;
    this.size = endpoints;
    this.failuresInARow = new AtomicIntegerArray(endpoints);
    this.timesEjected = new AtomicIntegerArray(endpoints);
    this.ejectedUntil = new AtomicLongArray(endpoints);
    this.out = new AtomicIntegerArray(endpoints);
  }

  /** Whether endpoint {@code i} may take traffic now. */
  boolean available(int i, long now) {
    return out.get(i) == 0 || now - ejectedUntil.get(i) >= 0;
  }

  /**
   * The outcome of an attempt on endpoint {@code i}; returns the change it caused (ejected, or
   * restored: the first attempt on it after its time was up), or null.
   */
  Change record(int i, boolean failed, long now) {
    Change restored = null;
    if (out.get(i) == 1 && now - ejectedUntil.get(i) >= 0 && out.compareAndSet(i, 1, 0)) {
      outNow.decrementAndGet();
      restored = new Change(i, false, 0, timesEjected.get(i));
    }
    if (!failed) {
      failuresInARow.set(i, 0);
      return restored;
    }
    if (failuresInARow.incrementAndGet(i) < config.consecutiveFailures() || out.get(i) == 1) {
      return restored;
    }
    int allowed = Math.max(1, size * config.maxEjectedPercent() / 100);
    if (size < 2 || outNow.incrementAndGet() > allowed) {
      if (size >= 2) {
        outNow.decrementAndGet();
      }
      return restored; // a lone endpoint, or too many out already: keep serving from it
    }
    if (!out.compareAndSet(i, 0, 1)) {
      outNow.decrementAndGet();
      return restored;
    }
    int times = timesEjected.incrementAndGet(i);
    long forNanos = config.baseEjection().toNanos() * times;
    ejectedUntil.set(i, now + forNanos);
    failuresInARow.set(i, 0);
    return new Change(i, true, forNanos, times);
  }

  /** Whether endpoint {@code i} is in (for the health gauge). */
  public boolean healthy(int i) {
    return available(i, System.nanoTime());
  }

  public int size() {
    return size;
  }
}
