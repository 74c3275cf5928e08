package dev.tracegate.proxy;

import dev.tracegate.config.UpstreamConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * One upstream's circuit, shared by every event loop: CLOSED counts attempts and failures over a
 * rolling window of ten buckets; at {@code minRequests} or more with {@code failureRatio} of them
 * failed it OPENs, refusing at once for {@code openFor}; then HALF_OPEN lets one probe through at a
 * time, whose success closes it and whose failure opens it again. No lock: the state is one atomic
 * integer, the window a few atomic longs. Our own few lines rather than vertx-circuit-breaker or
 * Resilience4j: both wrap the call (a future per attempt, their own timeouts and fallbacks), while
 * an attempt here already has its deadline, span and retry policy and only needs a yes or no before
 * it and one record after it.
 */
public final class CircuitBreaker {
  public enum State {
    CLOSED,
    HALF_OPEN,
    OPEN
  }

  /** What {@link #acquire} allowed: a normal attempt, the half-open probe, or nothing. */
  enum Permit {
    ATTEMPT,
    PROBE,
    REFUSED
  }

  private static final int BUCKETS = 10;

  private final String upstream;
  private final UpstreamConfig.CircuitBreaker config;
  private final long bucketNanos;
  private final long openForNanos;
  private final AtomicInteger state = new AtomicInteger(State.CLOSED.ordinal());
  private volatile long openUntilNanos;
  private final AtomicInteger probing = new AtomicInteger();

  /** Per bucket: the bucket's number (time / bucketNanos), attempts, failures. */
  private final AtomicLongArray epochs = new AtomicLongArray(BUCKETS);

  private final AtomicLongArray attempts = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray failures = new AtomicLongArray(BUCKETS);
  private final Consumer<State> transitions;

  /**
   * {@code transitions} hears every change of state (log line, metric), on the thread that caused
   * it.
   */
  public CircuitBreaker(
      String upstream, UpstreamConfig.CircuitBreaker config, Consumer<State> transitions) {
    this.upstream = upstream;
    this.config = config;
    this.bucketNanos = Math.max(1, config.window().toNanos() / BUCKETS);
    this.openForNanos = config.openFor().toNanos();
    this.transitions = transitions;
  }

  public String upstream() {
    return upstream;
  }

  public State state() {
    return State.values()[state.get()];
  }

  Permit acquire(long now) {
    int s = state.get();
    if (s == State.CLOSED.ordinal()) {
      return Permit.ATTEMPT;
    }
    if (s == State.OPEN.ordinal()) {
      if (now - openUntilNanos < 0 || !move(State.OPEN, State.HALF_OPEN)) {
        return state.get() == State.HALF_OPEN.ordinal() ? probe() : Permit.REFUSED;
      }
    }
    return probe();
  }

  private Permit probe() {
    return probing.compareAndSet(0, 1) ? Permit.PROBE : Permit.REFUSED;
  }

  /** The outcome of an attempt {@link #acquire} allowed; returns the state it moved to, or null. */
  State record(Permit permit, boolean failed, long now) {
    if (permit == Permit.PROBE) {
      probing.set(0);
      if (failed) {
        openUntilNanos = now + openForNanos;
        return move(State.HALF_OPEN, State.OPEN) ? State.OPEN : null;
      }
      clearWindow();
      return move(State.HALF_OPEN, State.CLOSED) ? State.CLOSED : null;
    }
    if (permit != Permit.ATTEMPT || state.get() != State.CLOSED.ordinal()) {
      return null;
    }
    long epoch = now / bucketNanos;
    int i = (int) Math.floorMod(epoch, (long) BUCKETS);
    long seen = epochs.get(i);
    if (seen != epoch && epochs.compareAndSet(i, seen, epoch)) {
      attempts.set(i, 0);
      failures.set(i, 0);
    }
    attempts.incrementAndGet(i);
    if (!failed) {
      return null;
    }
    failures.incrementAndGet(i);
    long total = 0;
    long failedTotal = 0;
    for (int b = 0; b < BUCKETS; b++) {
      if (epoch - epochs.get(b) < BUCKETS) {
        total += attempts.get(b);
        failedTotal += failures.get(b);
      }
    }
    if (total >= config.minRequests() && failedTotal >= config.failureRatio() * total) {
      openUntilNanos = now + openForNanos;
      return move(State.CLOSED, State.OPEN) ? State.OPEN : null;
    }
    return null;
  }

  /**
   * An allowed attempt that ended without a verdict on the upstream (the request was abandoned).
   */
  void release(Permit permit) {
    if (permit == Permit.PROBE) {
      probing.set(0);
    }
  }

  private void clearWindow() {
    for (int b = 0; b < BUCKETS; b++) {
      attempts.set(b, 0);
      failures.set(b, 0);
    }
  }

  private boolean move(State from, State to) {
    if (!state.compareAndSet(from.ordinal(), to.ordinal())) {
      return false;
    }
    transitions.accept(to);
    return true;
  }
}
