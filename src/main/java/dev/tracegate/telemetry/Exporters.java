package dev.tracegate.telemetry;

import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.util.Urls;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Optional;

/**
 * How finished spans and access-log records leave the process: OTLP/HTTP spans through {@link
 * EncodingBatchProcessor} (each span encoded by {@link OtlpTraceEncoder} where it ends, the SDK's
 * sender for the wire); OTLP/gRPC spans, the logging exporter and log records through the SDK's own
 * exporters and batch processors. Every OTLP exporter gets its signal's headers, gzip, timeout and
 * TLS ({@link ExporterSettings}) and one {@link ExportRetries} policy.
 */
final class Exporters {
  private Exporters() {}

  /** The span pipeline after {@link SpanStats}, or empty for the exporter {@code none}. */
  static Optional<SpanProcessor> spans(
      TelemetryConfig config, SpanStats stats, ExportRetries retries) {
    String target = Urls.redact(config.tracesEndpoint());
    TelemetryConfig.Batch batch = config.batch();
    ExporterSettings settings = ExporterSettings.of(config.tracesOtlp(), batch.exportTimeout());
    SpanExporter exporter;
    switch (config.exporter()) {
      case OTLP:
        if (config.tracesProtocol() == TelemetryConfig.Protocol.HTTP_PROTOBUF) {
          OtlpHttpTraceExporter http =
              OtlpHttpTraceExporter.create(config.tracesEndpoint(), settings, retries.policy());
          return Optional.of(
              new EncodingBatchProcessor(
                  http, counting(http, stats, target, config, retries), stats, batch));
        }
        exporter = grpcSpans(config, settings, retries);
        break;
      case LOGGING:
        exporter = LoggingSpanExporter.create();
        break;
      default:
        return Optional.empty();
    }
    return Optional.of(
        BatchSpanProcessor.builder(counting(exporter, stats, target, config, retries))
            .setScheduleDelay(batch.scheduleDelay())
            .setMaxQueueSize(batch.maxQueueSize())
            .setMaxExportBatchSize(batch.maxExportBatchSize())
            .setExporterTimeout(batch.exportTimeout())
            .build());
  }

  private static CountingExporter counting(
      SpanExporter exporter,
      SpanStats stats,
      String target,
      TelemetryConfig config,
      ExportRetries retries) {
    return new CountingExporter(
        exporter, stats, target, config.serviceName(), ExportWarnings.PROCESS, retries);
  }

  /**
   * The SDK's OTLP/gRPC span exporter, marshalling each span once into its own small objects (UTF-8
   * bytes made once) instead of the reusable mode's size pass plus write pass over the same
   * strings.
   */
  private static SpanExporter grpcSpans(
      TelemetryConfig config, ExporterSettings settings, ExportRetries retries) {
    var b =
        OtlpGrpcSpanExporter.builder()
            .setEndpoint(config.tracesEndpoint())
            .setTimeout(settings.timeout())
            .setConnectTimeout(settings.timeout())
            .setHeaders(settings::headers)
            .setCompression(settings.compressor() == null ? "none" : "gzip")
            .setRetryPolicy(retries.policy())
            .setMemoryMode(MemoryMode.IMMUTABLE_DATA);
    if (settings.sslContext() != null) {
      b.setSslContext(settings.sslContext(), settings.trustManager());
    }
    return b.build();
  }

  /** The OTLP exporter of access-log records, over the logs signal's protocol and options. */
  static LogRecordExporter logs(TelemetryConfig config, ExportRetries retries) {
    ExporterSettings s = ExporterSettings.of(config.logsOtlp(), config.batch().exportTimeout());
    String compression = s.compressor() == null ? "none" : "gzip";
    return switch (config.logsProtocol()) {
      case HTTP_PROTOBUF -> {
        var b =
            OtlpHttpLogRecordExporter.builder()
                .setEndpoint(config.logsEndpoint())
                .setTimeout(s.timeout())
                .setConnectTimeout(s.timeout())
                .setHeaders(s::headers)
                .setCompression(compression)
                .setRetryPolicy(retries.policy())
                .setMemoryMode(MemoryMode.IMMUTABLE_DATA);
        if (s.sslContext() != null) {
          b.setSslContext(s.sslContext(), s.trustManager());
        }
        yield b.build();
      }
      case GRPC -> {
        var b =
            OtlpGrpcLogRecordExporter.builder()
                .setEndpoint(config.logsEndpoint())
                .setTimeout(s.timeout())
                .setConnectTimeout(s.timeout())
                .setHeaders(s::headers)
                .setCompression(compression)
                .setRetryPolicy(retries.policy())
                .setMemoryMode(MemoryMode.IMMUTABLE_DATA);
        if (s.sslContext() != null) {
          b.setSslContext(s.sslContext(), s.trustManager());
        }
        yield b.build();
      }
    };
  }
}
