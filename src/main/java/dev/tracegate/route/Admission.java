package dev.tracegate.route;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Process-wide admission: counts requests in progress against {@code server.maxInFlight} and turns
 * new ones away while draining. Shared by every event loop; one atomic per request.
 */
public final class Admission {
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private volatile boolean ready;

  public Admission(int maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  /** Counts the request in; returns the reason to turn it away, or null to serve it. */
  ErrorKey admit() {
    int now = inFlight.incrementAndGet();
    if (draining) {
      return ErrorKey.SHUTTING_DOWN;
    }
    return now > maxInFlight ? ErrorKey.OVERLOADED : null;
  }

  void release() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  public void startDraining() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  public void markReady() {
    ready = true;
  }

  /** Serving: started and not draining. */
  public boolean ready() {
    return ready && !draining;
  }
}
