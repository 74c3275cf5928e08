package dev.tracegate.util;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-request deadlines of one event loop without a scheduled task each. Deadlines of the same
 * length come due in the order they were set, so each length keeps a FIFO lane, and a lane arms one
 * Vert.x timer, for its oldest live deadline, at a time: setting and cancelling a deadline are O(1)
 * and allocate one small handle, where a timer per request costs a scheduled task, a future and a
 * listener, and a walk of Netty's timer heap (which at 5,000 connections holds ~15,000 entries) to
 * schedule and again to cancel. A deadline fires when its own time comes, as a timer would, and its
 * action runs on the Vert.x context that set it (the request's own duplicated context, so what it
 * logs or starts belongs to that request, not to whichever request armed the lane's timer).
 *
 * <p>Confined to its event loop: every method must be called there.
 */
public final class Deadlines {
  private final Vertx vertx;

  /**
   * One lane per configured timeout length, so a handful: searched in a list, which costs a request
   * neither a boxed key nor a lambda as a map would.
   */
  private final List<Lane> lanes = new ArrayList<>();

  /** The event loop's own context (not a request's duplicate): where the lanes' timers run. */
  private ContextInternal loop;

  public Deadlines(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Runs {@code action} on this event loop after {@code delayMs}, unless the handle is cancelled
   * first.
   */
  public Handle after(long delayMs, Runnable action) {
    long delay = Math.max(1, delayMs);
    Lane lane = lane(delay);
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    if (loop == null) {
      loop = context.unwrap();
    }
    Handle h = new Handle(lane, context, System.nanoTime() + delay * 1_000_000, action);
    lane.add(h);
    return h;
  }

  private Lane lane(long delayMs) {
    for (int i = 0; i < lanes.size(); i++) {
      Lane lane = lanes.get(i);
      if (lane.delayMs == delayMs) {
        return lane;
      }
    }
    Lane lane = new Lane(delayMs);
    lanes.add(lane);
    return lane;
  }

  /** Deadlines held, cancelled ones not yet dropped included (what the lanes keep in memory). */
  int held() {
    return lanes.stream().mapToInt(l -> l.queue.size()).sum();
  }

  /** One pending deadline. */
  public static final class Handle {
    private final Lane lane;
    private final ContextInternal context;
    private final long dueNanos;
    private Runnable action;

    private Handle(Lane lane, ContextInternal context, long dueNanos, Runnable action) {
      this.lane = lane;
      this.context = context;
      this.dueNanos = dueNanos;
      this.action = action;
    }

    /** The action will not run (a no-op once it has). */
    public void cancel() {
      if (action != null) {
        action = null;
        lane.dropCancelledHeads();
      }
    }
  }

  private final class Lane {
    private final long delayMs;
    private final ArrayDeque<Handle> queue = new ArrayDeque<>();
    private boolean armed;

    Lane(long delayMs) {
      this.delayMs = delayMs;
    }

    void add(Handle h) {
      queue.addLast(h);
      if (!armed) {
        arm(h.dueNanos);
      }
    }

    /**
     * Cancelled deadlines leave the lane as soon as nothing older is pending, so a lane holds about
     * the requests in flight, not every request of the last timeout period.
     */
    void dropCancelledHeads() {
      Handle head;
      while ((head = queue.peekFirst()) != null && head.action == null) {
        queue.pollFirst();
      }
    }

    private void arm(long dueNanos) {
      armed = true;
      long waitMs = Math.max(1, (dueNanos - System.nanoTime() + 999_999) / 1_000_000);
      loop.setTimer(waitMs, id -> fire());
    }

    private void fire() {
      armed = false;
      long now = System.nanoTime();
      Handle head;
      while ((head = queue.peekFirst()) != null && (head.action == null || head.dueNanos <= now)) {
        queue.pollFirst();
        Runnable action = head.action;
        if (action != null) {
          head.action = null;
          head.context.dispatch(action);
        }
      }
      if (head != null && !armed) {
        arm(head.dueNanos);
      }
    }
  }
}
