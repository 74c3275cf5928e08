package dev.tracegate.proxy;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wait for one of an upstream's pooled connections, kept by tracegate in front of Vert.x's
 * pool: an attempt goes to the HTTP client only when a connection of its endpoint is free for it,
 * and otherwise waits here, in order, as a reference in a queue. Vert.x's pool would queue it too,
 * but only after the client has built the request's state for it (its options, a context, the
 * pool's waiter and the futures chained to it, ~700 bytes), and under load most requests wait: at
 * 5,000 client connections and 256 upstream ones that state, ~3 MB, was what every young collection
 * had to copy. Here it is built only once the attempt is on its way.
 *
 * <p>An attempt holds its endpoint's slot from {@link #enter} until the upstream's answer head
 * arrives or the attempt fails ({@link #leave}), so the slots are the pool's connections: with
 * small answers the connection is free again a moment later, and an answer still streaming its body
 * when the next attempt goes out just makes that one wait in Vert.x's pool, as before. The bound on
 * waiting attempts is the pool's own ({@code 64} per connection); past it an attempt is refused at
 * once ({@link #full}: 503, {@code queue_full}). Attempts that gave up while waiting (their
 * deadline came, the client left) stay until they reach the head and are skipped there.
 *
 * <p>How many wait, over every event loop, is the gauge {@code tracegate_upstream_requests_queued}.
 *
 * <p>Confined to its event loop, like the {@link Upstream} it belongs to (the gauge's counter
 * excepted).
 */
final class ConnectionQueue {
  /** One attempt waiting for a connection. */
  interface Waiter {
    /** Whether it gave up while waiting: it is skipped, and takes no slot. */
    boolean gaveUp();

    /** It holds a slot and may go; called outside the call that freed the slot. */
    void go();
  }

  private final LongAdder queued;
  private final int slots;
  private final int maxWaiting;
  private final int[] busy;
  private final ArrayDeque<Waiter>[] waiting;

  @SuppressWarnings("unchecked")
  ConnectionQueue(int endpoints, int slots, int maxWaiting, LongAdder queued) {
    this.queued = queued;
    this.slots = slots;
    this.maxWaiting = maxWaiting;
    this.busy = new int[endpoints];
    this.waiting = new ArrayDeque[endpoints];
    for (int i = 0; i < endpoints; i++) {
      waiting[i] = new ArrayDeque<>();
    }
  }

  /**
   * Whether {@code endpoint} takes no more attempts: every slot held and {@code maxWaiting}
   * attempts waiting (given-up ones not counted).
   */
  boolean full(int endpoint) {
    if (busy[endpoint] < slots) {
      return false;
    }
    ArrayDeque<Waiter> queue = waiting[endpoint];
    if (queue.size() >= maxWaiting) {
      queue.removeIf(Waiter::gaveUp);
    }
    return queue.size() >= maxWaiting;
  }

  /**
   * Takes a slot of {@code endpoint} for {@code w}: true when it may go now; false when it waits
   * ({@link Waiter#go} comes later). Ask {@link #full} first.
   */
  boolean enter(int endpoint, Waiter w) {
    if (busy[endpoint] < slots) {
      busy[endpoint]++;
      return true;
    }
    waiting[endpoint].addLast(w);
    queued.increment();
    return false;
  }

  /** A waiter gave up before its turn: it no longer counts as waiting (it is skipped later). */
  void stoppedWaiting() {
    queued.decrement();
  }

  /** Gives back a slot of {@code endpoint}: to the oldest attempt still waiting, if any. */
  void leave(int endpoint) {
    ArrayDeque<Waiter> queue = waiting[endpoint];
    Waiter next;
    while ((next = queue.pollFirst()) != null) {
      if (!next.gaveUp()) {
        queued.decrement();
        next.go();
        return;
      }
    }
    busy[endpoint]--;
  }

  /** How many attempts may wait at one endpoint. */
  int maxWaiting() {
    return maxWaiting;
  }

  /** Attempts waiting at {@code endpoint}, given-up ones not yet skipped included. */
  int waiting(int endpoint) {
    return waiting[endpoint].size();
  }

  /** Slots of {@code endpoint} held. */
  int busy(int endpoint) {
    return busy[endpoint];
  }
}
