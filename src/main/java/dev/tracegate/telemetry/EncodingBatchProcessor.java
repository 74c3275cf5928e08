package dev.tracegate.telemetry;

import dev.tracegate.config.TelemetryConfig;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch processor of OTLP/HTTP export, in place of the SDK's {@code BatchSpanProcessor} plus
 * exporter: a span is encoded where it ends, on the event loop whose core still has its data in
 * cache, and only its few hundred bytes wait for export, where the SDK keeps the span's whole
 * object graph queued (at 100 % sampling those graphs were what young collections copied, and
 * reading them back cold on the exporter thread was most of its time). One worker thread groups the
 * bytes into requests (written out around them, not copied into one array) of at most {@code
 * maxExportBatchSize} spans when that many wait, every {@code scheduleDelay}, on flush and at
 * shutdown, and sends one request at a time, waiting at most {@code exportTimeout} for it. The
 * queue is bounded by {@link SpanStats}, which drops and counts what finds it full before it gets
 * here; ending a span never blocks.
 */
final class EncodingBatchProcessor implements SpanProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(EncodingBatchProcessor.class);

  /** Where spans are encoded: one encoder per thread that ends spans, starting small. */
  private final ThreadLocal<OtlpTraceEncoder> encoders =
      ThreadLocal.withInitial(() -> new OtlpTraceEncoder(2048));

  /** Writes only the requests' framing: the spans stay in their own arrays. */
  private final OtlpTraceEncoder requests = new OtlpTraceEncoder(512);

  private final ConcurrentLinkedQueue<OtlpTraceEncoder.Encoded> queue =
      new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final ConcurrentLinkedQueue<CompletableResultCode> flushes =
      new ConcurrentLinkedQueue<>();
  private final CompletableResultCode stopped = new CompletableResultCode();
  private final AtomicLong encodingFailures = new AtomicLong();
  private final OtlpHttpTraceExporter http;
  private final CountingExporter counting;
  private final SpanStats stats;
  private final long delayNanos;
  private final int batchSize;
  private final long exportTimeoutMillis;
  private final Thread worker;
  private volatile boolean stopping;

  EncodingBatchProcessor(
      OtlpHttpTraceExporter http,
      CountingExporter counting,
      SpanStats stats,
      TelemetryConfig.Batch batch) {
    this.http = http;
    this.counting = counting;
    this.stats = stats;
    this.delayNanos = Math.max(1, batch.scheduleDelay().toNanos());
    this.batchSize = Math.max(1, batch.maxExportBatchSize());
    this.exportTimeoutMillis = Math.max(1, batch.exportTimeout().toMillis());
    this.worker = new Thread(this::run, "tracegate-span-export");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (stopping) {
      stats.exportFinished(1, false); // after shutdown: lost, and counted so
      return;
    }
    OtlpTraceEncoder.Encoded encoded;
    try {
      encoded = encoders.get().encodeSpan(span.toSpanData());
    } catch (RuntimeException e) {
      stats.exportFinished(1, false);
      if (encodingFailures.getAndIncrement() == 0) {
        LOG.warn("telemetry: a span could not be encoded for export and is lost: " + e, e);
      }
      return;
    }
    queue.add(encoded);
    if (queued.incrementAndGet() == batchSize) {
      LockSupport.unpark(worker);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  /** Completes once every span queued before the call has been sent (or given up on). */
  @Override
  public CompletableResultCode forceFlush() {
    if (stopping) {
      return stopped;
    }
    CompletableResultCode flushed = new CompletableResultCode();
    flushes.add(flushed);
    LockSupport.unpark(worker);
    return flushed;
  }

  /** Sends what is queued, then stops the worker and the sender; completes when it has. */
  @Override
  public CompletableResultCode shutdown() {
    stopping = true;
    LockSupport.unpark(worker);
    return stopped;
  }

  private void run() {
    long due = System.nanoTime() + delayNanos;
    long giveUpAt = 0;
    while (true) {
      boolean stop = stopping;
      List<CompletableResultCode> waiting = new ArrayList<>();
      CompletableResultCode f;
      while ((f = flushes.poll()) != null) {
        waiting.add(f);
      }
      long now = System.nanoTime();
      if (stop || !waiting.isEmpty() || queued.get() >= batchSize || now - due >= 0) {
        boolean all = stop || !waiting.isEmpty();
        if (stop && giveUpAt == 0) {
          giveUpAt = now + TimeUnit.MILLISECONDS.toNanos(exportTimeoutMillis);
        }
        do {
          exportBatch();
        } while ((queued.get() >= batchSize || (all && queued.get() > 0))
            && !(stop && System.nanoTime() - giveUpAt > 0));
        waiting.forEach(CompletableResultCode::succeed);
        due = System.nanoTime() + delayNanos;
        if (stop) {
          break;
        }
      } else {
        LockSupport.parkNanos(this, due - now);
      }
    }
    int lost = 0;
    while (queue.poll() != null) { // a collector too slow to take the rest before the deadline
      lost++;
    }
    if (lost > 0) {
      queued.addAndGet(-lost);
      stats.exportFinished(lost, false);
    }
    http.shutdown()
        .whenComplete(
            () -> {
              CompletableResultCode f;
              while ((f = flushes.poll()) != null) {
                f.succeed();
              }
              stopped.succeed();
            });
  }

  private void exportBatch() {
    List<OtlpTraceEncoder.Encoded> batch = new ArrayList<>(Math.min(batchSize, queued.get()));
    OtlpTraceEncoder.Encoded e;
    while (batch.size() < batchSize && (e = queue.poll()) != null) {
      batch.add(e);
    }
    if (batch.isEmpty()) {
      return;
    }
    queued.addAndGet(-batch.size());
    CompletableResultCode result;
    try {
      result = http.send(requests.request(batch));
    } catch (RuntimeException ex) {
      result = CompletableResultCode.ofExceptionalFailure(ex);
    }
    counting.counted(batch.size(), result).join(exportTimeoutMillis, TimeUnit.MILLISECONDS);
  }
}
