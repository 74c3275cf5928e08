package dev.tracegate.telemetry;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last {@code telemetry.recentTraces} traces, kept in memory for the admin {@code /traces}
 * view so a trace can be studied without a Jaeger. Bounded twice: by traces (oldest evicted) and
 * by spans per trace. Several SDKs (gateway, in-process demo services) may feed one buffer.
 */
public final class RecentTraces implements SpanProcessor {
  static final int MAX_SPANS_PER_TRACE = 500;

  private final int capacity;
  /** Ended spans are immutable, so they are kept as they are and turned into {@link SpanData} only when viewed. */
  private final Map<String, List<ReadableSpan>> traces;

  public RecentTraces(int capacity) {
    this.capacity = capacity;
    this.traces = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, List<ReadableSpan>> eldest) {
        return size() > RecentTraces.this.capacity;
      }
    };
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
    synchronized (traces) {
      List<ReadableSpan> spans = traces.computeIfAbsent(traceId, id -> new ArrayList<>(4));
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
    List<ReadableSpan> spans;
    synchronized (traces) {
      List<ReadableSpan> kept = traces.get(traceId);
      spans = kept == null ? List.of() : List.copyOf(kept);
    }
    List<SpanData> out = new ArrayList<>(spans.size());
    spans.forEach(s -> out.add(s.toSpanData()));
    return out;
  }

  /** Up to {@code limit} trace ids, newest first. */
  public List<String> newest(int limit) {
    List<String> ids;
    synchronized (traces) {
      ids = new ArrayList<>(traces.keySet());
    }
    Collections.reverse(ids);
    return ids.subList(0, Math.min(limit, ids.size()));
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
