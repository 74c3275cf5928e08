package dev.tracegate.telemetry;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The last {@code telemetry.recentTraces} traces, kept in memory for the admin {@code /traces}
 * view and the linkage audit. Bounded twice: by traces (oldest evicted) and by spans per trace.
 * Spans are kept from the moment they start, so a span that never ends is still seen (the audit
 * calls it {@code unended}); the views show ended spans only. Lock-free but for one small lock per
 * trace, as event loops feed it concurrently: a new trace takes the next slot of a ring and evicts
 * the trace that held it. Several SDKs (gateway, in-process demo services) may feed one buffer.
 */
public final class RecentTraces implements SpanProcessor {
  static final int MAX_SPANS_PER_TRACE = 500;

  private final int capacity;
  private final ConcurrentHashMap<String, Kept> traces = new ConcurrentHashMap<>();
  /** The n-th trace seen sits in slot {@code n % capacity} until the (n + capacity)-th evicts it. */
  private final AtomicReferenceArray<Kept> ring;
  private final AtomicLong seen = new AtomicLong();
  private final LongAdder evictedUnsettled = new LongAdder();
  /** Every trace before this sequence number has been handed to {@link #drainSettled} or evicted. */
  private long drained;

  public RecentTraces(int capacity) {
    this.capacity = capacity;
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  /** One trace's spans as they started, and when any of them last started or ended. */
  private static final class Kept {
    final String traceId;
    final long seq;
    final List<ReadableSpan> spans = new ArrayList<>(4);
    volatile long lastActivityNanos = System.nanoTime();
    /** Set once, by whichever comes first: the audit taking the trace, or its eviction. */
    private boolean done;
    boolean truncated;

    Kept(String traceId, long seq) {
      this.traceId = traceId;
      this.seq = seq;
    }

    synchronized boolean claim() {
      boolean first = !done;
      done = true;
      return first;
    }

    synchronized boolean isDone() {
      return done;
    }
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String traceId = span.getSpanContext().getTraceId();
    Kept kept = traces.get(traceId);
    if (kept == null) {
      long seq = seen.getAndIncrement();
      Kept fresh = new Kept(traceId, seq);
      kept = traces.putIfAbsent(traceId, fresh);
      if (kept == null) {
        kept = fresh;
        Kept evicted = ring.getAndSet((int) (seq % capacity), fresh);
        if (evicted != null) {
          traces.remove(evicted.traceId, evicted);
          if (evicted.claim()) {
            evictedUnsettled.increment();
          }
        }
      }
    }
    synchronized (kept.spans) {
      if (kept.spans.size() < MAX_SPANS_PER_TRACE) {
        kept.spans.add(span);
      } else {
        kept.truncated = true;
      }
    }
    kept.lastActivityNanos = System.nanoTime();
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    Kept kept = traces.get(span.getSpanContext().getTraceId());
    if (kept != null) {
      kept.lastActivityNanos = System.nanoTime();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  /** The ended spans of one trace, or an empty list when it is unknown or already evicted. */
  public List<SpanData> trace(String traceId) {
    Kept kept = traces.get(traceId);
    if (kept == null) {
      return List.of();
    }
    List<SpanData> out = new ArrayList<>();
    for (ReadableSpan s : spansOf(kept)) {
      if (s.hasEnded()) {
        out.add(s.toSpanData());
      }
    }
    return out;
  }

  private static List<ReadableSpan> spansOf(Kept kept) {
    synchronized (kept.spans) {
      return List.copyOf(kept.spans);
    }
  }

  /** How many traces are kept right now (at most the capacity). */
  public int size() {
    return traces.size();
  }

  /** Up to {@code limit} ids of traces with at least one ended span, newest first. */
  public List<String> newest(int limit) {
    List<String> ids = new ArrayList<>(Math.min(limit, 64));
    long last = seen.get() - 1;
    for (long n = last; n >= 0 && n > last - capacity && ids.size() < limit; n--) {
      Kept kept = ring.get((int) (n % capacity));
      if (kept != null && kept.seq == n && traces.get(kept.traceId) == kept && hasEnded(kept)) {
        ids.add(kept.traceId);
      }
    }
    return ids;
  }

  private static boolean hasEnded(Kept kept) {
    for (ReadableSpan s : spansOf(kept)) {
      if (s.hasEnded()) {
        return true;
      }
    }
    return false;
  }

  /** A trace that has settled: every span of it as it is now, ended or not. */
  public record Settled(String traceId, List<SpanData> spans, boolean truncated) {}

  /**
   * Hands each trace that has settled since the last call to {@code judge}, once: every span
   * whose parent lies outside this process (a remote parent, or none) has ended, and no span of
   * it started or ended for {@code quietNanos}. A trace still in flight is left for a later call;
   * one evicted before it settled is counted in {@link #evictedUnsettled}. Work per call is at
   * most one pass over the ring. Called from one thread at a time.
   */
  public synchronized void drainSettled(long quietNanos, Consumer<Settled> judge) {
    long head = seen.get();
    long from = Math.max(drained, head - capacity);
    boolean contiguous = true;
    long now = System.nanoTime();
    for (long n = from; n < head; n++) {
      Kept kept = ring.get((int) (n % capacity));
      boolean gone = kept == null || kept.seq != n || kept.isDone();
      if (!gone) {
        List<ReadableSpan> spans = spansOf(kept);
        if (now - kept.lastActivityNanos >= quietNanos && localRootsEnded(spans) && kept.claim()) {
          List<SpanData> data = new ArrayList<>(spans.size());
          spans.forEach(s -> data.add(s.toSpanData()));
          judge.accept(new Settled(kept.traceId, data, kept.truncated));
          gone = true;
        }
      }
      if (gone && contiguous) {
        drained = n + 1;
      } else {
        contiguous = false;
      }
    }
  }

  private static boolean localRootsEnded(List<ReadableSpan> spans) {
    for (ReadableSpan s : spans) {
      SpanContext parent = s.getParentSpanContext();
      if ((!parent.isValid() || parent.isRemote()) && !s.hasEnded()) {
        return false;
      }
    }
    return true;
  }

  /** Traces kept that have not settled yet (one pass over the ring). */
  public int unsettled() {
    int n = 0;
    for (int i = 0; i < capacity; i++) {
      Kept kept = ring.get(i);
      if (kept != null && !kept.isDone()) {
        n++;
      }
    }
    return n;
  }

  /** Traces evicted by newer ones before they settled, so never judged. */
  public long evictedUnsettled() {
    return evictedUnsettled.sum();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
