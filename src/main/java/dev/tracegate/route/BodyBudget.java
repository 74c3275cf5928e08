package dev.tracegate.route;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies held in memory at once, over every event loop: bodies read whole (so
 * a retry can send them again, or a compose, SQL or bus route can use them) reserve their size as
 * they arrive and give it back when the request ends. Past {@code server.maxBufferedBytes} a body
 * is refused {@code 503 overloaded}, so many large bodies at once cannot exhaust the heap, while
 * streamed bodies (a proxy route without retries) do not count.
 */
public final class BodyBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  public BodyBudget(long limit) {
    this.limit = limit;
  }

  /** Reserves {@code bytes}, or says no when that would pass the limit. */
  boolean reserve(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    if (bytes > 0) {
      used.addAndGet(-bytes);
    }
  }

  /** Bytes of request bodies held right now. */
  public long used() {
    return used.get();
  }
}
