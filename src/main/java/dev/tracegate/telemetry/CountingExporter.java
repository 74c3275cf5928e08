package dev.tracegate.telemetry;

import dev.tracegate.util.Throwables;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * Counts each batch's outcome into {@link SpanStats} and reports export failures to the process's
 * {@link ExportWarnings} (one line a minute at most, naming the service).
 */
final class CountingExporter implements SpanExporter {
  private final SpanExporter delegate;
  private final SpanStats stats;
  private final String target;
  private final String service;
  private final ExportWarnings warnings;
  private final ExportRetries retries;

  CountingExporter(
      SpanExporter delegate,
      SpanStats stats,
      String target,
      String service,
      ExportWarnings warnings,
      ExportRetries retries) {
    this.retries = retries;
    this.delegate = delegate;
    this.stats = stats;
    this.target = target;
    this.service = service;
    this.warnings = warnings;
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
          if (result.isSuccess()) {
            retries.succeeded();
          } else {
            warnings.failed(service, target, count, reason(result.getFailureThrowable()));
          }
        });
    return result;
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
