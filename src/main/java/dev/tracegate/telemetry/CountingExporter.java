package dev.tracegate.telemetry;

import dev.tracegate.util.Throwables;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts each batch's outcome into {@link SpanStats} and logs export failures at most once a
 * minute.
 */
final class CountingExporter implements SpanExporter {
  private static final Logger LOG = LoggerFactory.getLogger(CountingExporter.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final SpanExporter delegate;
  private final SpanStats stats;
  private final String target;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  CountingExporter(SpanExporter delegate, SpanStats stats, String target) {
    this.delegate = delegate;
    this.stats = stats;
    this.target = target;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int count = spans.size();
    CompletableResultCode result;
    try {
      result = delegate.export(spans);
    } catch (RuntimeException e) {
      result = CompletableResultCode.ofExceptionalFailure(e);
    }
    return counted(count, result);
  }

  /** Counts {@code count} spans as exported or lost once {@code result} says which. */
  CompletableResultCode counted(int count, CompletableResultCode result) {
    result.whenComplete(
        () -> {
          stats.exportFinished(count, result.isSuccess());
          if (!result.isSuccess()) {
            logThrottled(count, result.getFailureThrowable());
          }
        });
    return result;
  }

  private void logThrottled(int count, Throwable cause) {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      LOG.warn(
          "telemetry: exporting to "
              + target
              + " failed ("
              + count
              + " spans lost"
              + reason(cause)
              + "); "
              + stats.dropped()
              + " spans lost so far; requests are unaffected. Next report in a minute at most.");
    }
  }

  /**
   * The status the export ended with (HTTP, or gRPC: {@code UNIMPLEMENTED} is a gRPC exporter
   * pointed at an OTLP/HTTP port), else the innermost cause.
   */
  private static String reason(Throwable cause) {
    if (cause instanceof FailedExportException.HttpExportException http
        && http.failedWithResponse()) {
      return ": HTTP status " + http.getResponse().getStatusCode();
    }
    if (cause instanceof FailedExportException.GrpcExportException grpc
        && grpc.failedWithResponse()) {
      String description = grpc.getResponse().getStatusDescription();
      return ": gRPC status "
          + grpc.getResponse().getStatusCode()
          + (description == null || description.isBlank() ? "" : " (" + description + ")");
    }
    Throwable root = Throwables.root(cause);
    return root == null ? "" : ": " + root;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
