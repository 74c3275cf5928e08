package dev.tracegate.telemetry;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.vertx.core.MultiMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts requests whose trace headers the propagators could not use — a {@code traceparent} that
 * started a new trace, a {@code tracestate} dropped with a valid parent, {@code baggage} members
 * dropped — for {@code tracegate_trace_headers_invalid_total{header}}, and logs one summary line a
 * minute at most, however much a client sends. The request is served either way (a new trace, no
 * state, fewer members), as the W3C rules say.
 */
public final class InvalidTraceHeaders {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidTraceHeaders.class);
  static final long SUMMARY_EVERY_NANOS = 60_000_000_000L;

  private final LongAdder traceparent = new LongAdder();
  private final LongAdder tracestate = new LongAdder();
  private final LongAdder baggage = new LongAdder();
  private final AtomicLong nextSummary = new AtomicLong(System.nanoTime());
  private final AtomicLong lastTotal = new AtomicLong();

  /** Two {@code traceparent} headers: the request starts a new trace. */
  public void duplicateTraceparent() {
    traceparent.increment();
    maybeSummarise();
  }

  /**
   * Compares what came ({@code headers}) with what the propagators made of it ({@code extracted}).
   */
  public void check(MultiMap headers, Context extracted, boolean baggagePropagated) {
    SpanContext parent = Span.fromContext(extracted).getSpanContext();
    boolean found = false;
    if (!parent.isValid() && headers.contains("traceparent")) {
      traceparent.increment();
      found = true;
    }
    if (parent.isValid()
        && TraceContextPropagator.tracestate(extracted) == null
        && hasContent(headers, "tracestate")) {
      tracestate.increment();
      found = true;
    }
    if (baggagePropagated
        && hasContent(headers, "baggage")
        && Baggage.fromContext(extracted).size() < members(headers, "baggage")) {
      baggage.increment();
      found = true;
    }
    if (found) {
      maybeSummarise();
    }
  }

  private static boolean hasContent(MultiMap headers, String name) {
    if (!headers.contains(name)) {
      return false; // the common case, without the list getAll makes
    }
    for (String line : headers.getAll(name)) {
      if (!line.isBlank()) {
        return true;
      }
    }
    return false;
  }

  /** List members of a comma-separated header over all its lines (empty ones not counted). */
  private static int members(MultiMap headers, String name) {
    int n = 0;
    for (String line : headers.getAll(name)) {
      for (String member : line.split(",")) {
        if (!member.isBlank()) {
          n++;
        }
      }
    }
    return n;
  }

  private void maybeSummarise() {
    long now = System.nanoTime();
    long due = nextSummary.get();
    if (now - due < 0 || !nextSummary.compareAndSet(due, now + SUMMARY_EVERY_NANOS)) {
      return;
    }
    long total = total();
    long since = total - lastTotal.getAndSet(total);
    LOG.warn(
        "trace headers: "
            + since
            + " request(s) with invalid trace headers since the last report (in all: "
            + "traceparent "
            + traceparent.sum()
            + ", tracestate "
            + tracestate.sum()
            + ", baggage "
            + baggage.sum()
            + "); each was served, with a new trace or without the invalid part. Next report in a minute at most.");
  }

  private long total() {
    return traceparent.sum() + tracestate.sum() + baggage.sum();
  }

  public long traceparent() {
    return traceparent.sum();
  }

  public long tracestate() {
    return tracestate.sum();
  }

  public long baggage() {
    return baggage.sum();
  }
}
