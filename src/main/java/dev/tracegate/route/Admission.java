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

  private final BodyBudget bodies;

  /**
   * At most {@code maxInFlight} requests, holding at most {@code maxBufferedBytes} of bodies
   * between them.
   */
  public Admission(int maxInFlight, long maxBufferedBytes) {
    this.maxInFlight = maxInFlight;
    this.bodies = new BodyBudget(maxBufferedBytes);
  }

  /** The bytes of request bodies the requests in progress hold. */
  public BodyBudget bodies() {
    return bodies;
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
