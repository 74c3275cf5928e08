package dev.tracegate.route;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Process-wide admission: counts requests in progress against {@code server.maxInFlight} and turns
 * new ones away while draining. Shared by every event loop; one atomic per request.
 */
public final class Admission {
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private volatile long drainEndNanos;

  /** Completed once draining has begun and no request is in progress. */
  private final CompletableFuture<Void> idle = new CompletableFuture<>();

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
    if (inFlight.decrementAndGet() == 0 && draining) {
      idle.complete(null);
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  /**
   * From now on every new request is answered {@code 503 shutting_down}; the listeners stay open
   * meanwhile, so a request that reaches the gateway (on a kept-alive connection, pipelined, or
   * with its head half sent) gets that answer rather than a closed connection. The future completes
   * when no request is in progress; {@code grace} bounds the drain (see {@link
   * #remainingGraceMillis}).
   */
  public CompletableFuture<Void> startDraining(java.time.Duration grace) {
    drainEndNanos = System.nanoTime() + grace.toNanos();
    draining = true;
    if (inFlight.get() == 0) {
      idle.complete(null);
    }
    return idle;
  }

  /** What is left of the drain's grace, for closing the connections still busy; 0 once over. */
  public long remainingGraceMillis() {
    return Math.max(0, (drainEndNanos - System.nanoTime()) / 1_000_000);
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
