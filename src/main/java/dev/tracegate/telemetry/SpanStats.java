package dev.tracegate.telemetry;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts every recorded span from start to export, and bounds what waits for the exporter: a span
 * that finds {@code maxPending} spans already waiting is dropped and counted here, so a slow or
 * dead collector costs memory up to that bound and never blocks the event loop. {@code started ==
 * ended} is the invariant the tests check after every suite.
 */
public final class SpanStats implements SpanProcessor {
  private final LongAdder started = new LongAdder();
  private final LongAdder ended = new LongAdder();
  private final LongAdder exported = new LongAdder();
  private final LongAdder exportFailed = new LongAdder();
  private final LongAdder droppedQueueFull = new LongAdder();
  private final AtomicLong pending = new AtomicLong();
  private volatile SpanProcessor export;
  private volatile long maxPending = Long.MAX_VALUE;

  /**
   * Sends sampled, ended spans on to {@code export} (a batch processor) while fewer than {@code
   * maxPending} wait.
   */
  void exportTo(SpanProcessor export, long maxPending) {
    this.export = export;
    this.maxPending = maxPending;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    started.increment();
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    ended.increment();
    SpanProcessor target = export;
    if (target == null || !span.getSpanContext().isSampled()) {
      return;
    }
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      droppedQueueFull.increment();
      return;
    }
    target.onEnd(span);
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  void exportFinished(int count, boolean success) {
    pending.addAndGet(-count);
    (success ? exported : exportFailed).add(count);
  }

  @Override
  public CompletableResultCode forceFlush() {
    SpanProcessor target = export;
    return target == null ? CompletableResultCode.ofSuccess() : target.forceFlush();
  }

  @Override
  public CompletableResultCode shutdown() {
    SpanProcessor target = export;
    return target == null ? CompletableResultCode.ofSuccess() : target.shutdown();
  }

  public long started() {
    return started.sum();
  }

  public long ended() {
    return ended.sum();
  }

  /** Spans started and not yet ended: zero whenever no request is in flight. */
  public long open() {
    return started.sum() - ended.sum();
  }

  public long exported() {
    return exported.sum();
  }

  public long exportFailed() {
    return exportFailed.sum();
  }

  public long droppedQueueFull() {
    return droppedQueueFull.sum();
  }

  /** Spans that will never reach the collector: queue full, or their export failed. */
  public long dropped() {
    return droppedQueueFull.sum() + exportFailed.sum();
  }

  /** Spans queued or being exported right now. */
  public long pending() {
    return pending.get();
  }
}
