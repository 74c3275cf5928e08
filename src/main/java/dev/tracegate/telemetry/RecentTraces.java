package dev.tracegate.telemetry;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The last {@code telemetry.recentTraces} traces, kept in memory for the admin {@code /traces}
 * view so a trace can be studied without a Jaeger. Bounded twice: by traces (oldest evicted) and
 * by spans per trace. Lock-free but for one small lock per trace, as event loops feed it concurrently. Several SDKs (gateway, in-process demo services) may feed one buffer.
 */
public final class RecentTraces implements SpanProcessor {
  static final int MAX_SPANS_PER_TRACE = 500;

  private final int capacity;
  /** Ended spans are immutable, so they are kept as they are and turned into {@link SpanData} only when viewed. */
  private final ConcurrentHashMap<String, List<ReadableSpan>> traces = new ConcurrentHashMap<>();
  /** Trace ids in the order they were first seen: the eviction order. */
  private final ConcurrentLinkedDeque<String> order = new ConcurrentLinkedDeque<>();
  private final AtomicInteger size = new AtomicInteger();

  public RecentTraces(int capacity) {
    this.capacity = capacity;
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
        order.addLast(traceId);
        if (size.incrementAndGet() > capacity) {
          evictOldest();
        }
      }
    }
    synchronized (spans) {
      if (spans.size() < MAX_SPANS_PER_TRACE) {
        spans.add(span);
      }
    }
  }

  private void evictOldest() {
    String oldest = order.pollFirst();
    if (oldest != null && traces.remove(oldest) != null) {
      size.decrementAndGet();
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
    Iterator<String> it = order.descendingIterator();
    while (it.hasNext() && ids.size() < limit) {
      ids.add(it.next());
    }
    return ids;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
