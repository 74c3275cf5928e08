package dev.tracegate.telemetry;

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

/**
 * The last {@code telemetry.recentTraces} traces, kept in memory for the admin {@code /traces}
 * view so a trace can be studied without a Jaeger. Bounded twice: by traces (oldest evicted) and
 * by spans per trace. Lock-free but for one small lock per trace, as event loops feed it
 * concurrently: a new trace takes the next slot of a ring of trace ids and evicts the trace that
 * held it. Several SDKs (gateway, in-process demo services) may feed one buffer.
 */
public final class RecentTraces implements SpanProcessor {
  static final int MAX_SPANS_PER_TRACE = 500;

  private final int capacity;
  /** Ended spans are immutable, so they are kept as they are and turned into {@link SpanData} only when viewed. */
  private final ConcurrentHashMap<String, List<ReadableSpan>> traces = new ConcurrentHashMap<>();
  /** Trace ids in the order they were first seen, slot {@code n % capacity} for the n-th trace. */
  private final AtomicReferenceArray<String> ring;
  private final AtomicLong seen = new AtomicLong();

  public RecentTraces(int capacity) {
    this.capacity = capacity;
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    // only finished spans are shown
  }

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    String traceId = span.getSpanContext().getTraceId();
    List<ReadableSpan> spans = traces.get(traceId);
    if (spans == null) {
      List<ReadableSpan> fresh = new ArrayList<>(4);
      spans = traces.putIfAbsent(traceId, fresh);
      if (spans == null) {
        spans = fresh;
        String evicted = ring.getAndSet((int) (seen.getAndIncrement() % capacity), traceId);
        if (evicted != null) {
          traces.remove(evicted);
        }
      }
    }
    synchronized (spans) {
      if (spans.size() < MAX_SPANS_PER_TRACE) {
        spans.add(span);
      }
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  /** The spans of one trace, or an empty list when it is unknown or already evicted. */
  public List<SpanData> trace(String traceId) {
    List<ReadableSpan> kept = traces.get(traceId);
    if (kept == null) {
      return List.of();
    }
    List<ReadableSpan> spans;
    synchronized (kept) {
      spans = List.copyOf(kept);
    }
    List<SpanData> out = new ArrayList<>(spans.size());
    spans.forEach(s -> out.add(s.toSpanData()));
    return out;
  }

  /** How many traces are kept right now (at most the capacity). */
  public int size() {
    return traces.size();
  }

  /** Up to {@code limit} trace ids, newest first. */
  public List<String> newest(int limit) {
    List<String> ids = new ArrayList<>(Math.min(limit, 64));
    long last = seen.get() - 1;
    for (long n = last; n >= 0 && n > last - capacity && ids.size() < limit; n--) {
      String id = ring.get((int) (n % capacity));
      if (id != null && traces.containsKey(id)) {
        ids.add(id);
      }
    }
    return ids;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
