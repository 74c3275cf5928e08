package dev.tracegate.telemetry;

import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.util.Urls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's OpenTelemetry SDK: resource, sampler, propagators and an OTLP exporter behind a
 * bounded batch processor, so ending a span only ever offers it to a queue. Built before Vert.x and
 * handed to it; {@link #shutdown} flushes what was queued, bounded by the export timeout.
 */
public final class Telemetry {
  private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

  public static final String INSTRUMENTATION_NAME = "dev.tracegate";

  /** Attribute values longer than this are cut, so a hostile header cannot bloat an export. */
  static final int MAX_ATTRIBUTE_LENGTH = 2048;

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final TelemetryConfig config;
  private final SpanStats stats;
  private final InvalidTraceHeaders invalidHeaders = new InvalidTraceHeaders();
  private SdkLoggerProvider logs;
  private boolean shutDown;

  private Telemetry(OpenTelemetrySdk sdk, TelemetryConfig config, SpanStats stats) {
    this.sdk = sdk;
    this.config = config;
    this.stats = stats;
    this.tracer = sdk.getTracer(INSTRUMENTATION_NAME, version());
  }

  /**
   * Builds the SDK. {@code routeSampling} maps route names to their own ratio for new traces;
   * {@code extraProcessors} see every span too (the recent-trace buffer, test counters).
   */
  public static Telemetry create(
      TelemetryConfig config,
      Map<String, Double> routeSampling,
      List<SpanProcessor> extraProcessors) {
    SpanStats stats = new SpanStats();
    SdkTracerProviderBuilder provider =
        SdkTracerProvider.builder()
            .setResource(resource(config))
            .setSampler(
                RouteSampler.create(
                    Samplers.of(config.sampler(), config.samplerArg()), routeSampling))
            .setSpanLimits(
                SpanLimits.builder().setMaxAttributeValueLength(MAX_ATTRIBUTE_LENGTH).build())
            .addSpanProcessor(stats);
    export(config, stats).ifPresent(p -> stats.exportTo(p, config.batch().maxQueueSize()));
    extraProcessors.forEach(provider::addSpanProcessor);
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(provider.build())
            .setPropagators(ContextPropagators.create(propagator(config.propagators())))
            .build();
    return new Telemetry(sdk, config, stats);
  }

  /**
   * How finished spans leave: OTLP/HTTP through {@link EncodingBatchProcessor} (each span encoded
   * by {@link OtlpTraceEncoder} where it ends, the SDK's sender for the wire); OTLP/gRPC and the
   * logging exporter through the SDK's batch processor; nothing for {@code none}.
   */
  private static Optional<SpanProcessor> export(TelemetryConfig config, SpanStats stats) {
    String target = Urls.redact(config.tracesEndpoint());
    TelemetryConfig.Batch batch = config.batch();
    SpanExporter exporter;
    switch (config.exporter()) {
      case OTLP:
        if (config.tracesProtocol() == TelemetryConfig.Protocol.HTTP_PROTOBUF) {
          OtlpHttpTraceExporter http =
              OtlpHttpTraceExporter.create(config.tracesEndpoint(), batch.exportTimeout());
          return Optional.of(
              new EncodingBatchProcessor(
                  http,
                  new CountingExporter(
                      http, stats, target, config.serviceName(), ExportWarnings.PROCESS),
                  stats,
                  batch));
        }
        exporter = otlpGrpcSpanExporter(config);
        break;
      case LOGGING:
        exporter = LoggingSpanExporter.create();
        break;
      default:
        return Optional.empty();
    }
    return Optional.of(
        BatchSpanProcessor.builder(
                new CountingExporter(
                    exporter, stats, target, config.serviceName(), ExportWarnings.PROCESS))
            .setScheduleDelay(batch.scheduleDelay())
            .setMaxQueueSize(batch.maxQueueSize())
            .setMaxExportBatchSize(batch.maxExportBatchSize())
            .setExporterTimeout(batch.exportTimeout())
            .build());
  }

  /**
   * The SDK's OTLP/gRPC span exporter, marshalling each span once into its own small objects (UTF-8
   * bytes made once) instead of the reusable mode's size pass plus write pass over the same
   * strings.
   */
  private static SpanExporter otlpGrpcSpanExporter(TelemetryConfig config) {
    Duration timeout = config.batch().exportTimeout();
    return OtlpGrpcSpanExporter.builder()
        .setEndpoint(config.tracesEndpoint())
        .setTimeout(timeout)
        .setConnectTimeout(timeout)
        .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
        .build();
  }

  private static LogRecordExporter otlpLogExporter(TelemetryConfig config) {
    Duration timeout = config.batch().exportTimeout();
    return switch (config.logsProtocol()) {
      case HTTP_PROTOBUF ->
          OtlpHttpLogRecordExporter.builder()
              .setEndpoint(config.logsEndpoint())
              .setTimeout(timeout)
              .setConnectTimeout(timeout)
              .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
              .build();
      case GRPC ->
          OtlpGrpcLogRecordExporter.builder()
              .setEndpoint(config.logsEndpoint())
              .setTimeout(timeout)
              .setConnectTimeout(timeout)
              .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
              .build();
    };
  }

  static TextMapPropagator propagator(List<TelemetryConfig.PropagatorName> names) {
    List<TextMapPropagator> list = new ArrayList<>();
    for (TelemetryConfig.PropagatorName name : names) {
      list.add(
          switch (name) {
            case TRACECONTEXT -> TraceContextPropagator.getInstance();
            case BAGGAGE -> W3CBaggagePropagator.getInstance();
            case B3 -> B3Propagator.injectingSingleHeader();
            case B3MULTI -> B3Propagator.injectingMultiHeaders();
            case JAEGER -> JaegerPropagator.getInstance();
          });
    }
    return TextMapPropagator.composite(list);
  }

  private static Resource resource(TelemetryConfig config) {
    AttributesBuilder attrs = Attributes.builder();
    config.resourceAttributes().forEach(attrs::put);
    attrs.put("service.name", config.serviceName());
    attrs.put("service.version", version());
    attrs.put("host.name", hostName());
    return Resource.getDefault().merge(Resource.create(attrs.build()));
  }

  public static String version() {
    String v = Telemetry.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static String hostName() {
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }

  /**
   * An OTel logger whose records go over OTLP (http/protobuf to {@code {endpoint}/v1/logs}, or
   * gRPC) through a bounded batch processor, with the same resource as the spans; null unless the
   * exporter is {@code otlp}.
   */
  public synchronized io.opentelemetry.api.logs.Logger otlpLogger(String scope) {
    if (config.exporter() != TelemetryConfig.Exporter.OTLP) {
      return null;
    }
    if (logs == null) {
      LogRecordExporter exporter = otlpLogExporter(config);
      logs =
          SdkLoggerProvider.builder()
              .setResource(resource(config))
              .addLogRecordProcessor(
                  BatchLogRecordProcessor.builder(exporter)
                      .setScheduleDelay(config.batch().scheduleDelay())
                      .setMaxQueueSize(config.batch().maxQueueSize())
                      .setMaxExportBatchSize(config.batch().maxExportBatchSize())
                      .setExporterTimeout(config.batch().exportTimeout())
                      .build())
              .build();
    }
    return logs.get(scope);
  }

  /**
   * The SDK as the gateway hands it to Vert.x: the same tracers, but no propagators. Vert.x's
   * tracing is off for every server and client the gateway makes; what it still does on its own is
   * read trace headers from every event-bus message a consumer receives (vert.x hard-codes {@code
   * PROPAGATE} there) and open a second, CLIENT/SERVER span for the hop that tracegate's PRODUCER
   * and CONSUMER spans already cover. Without propagators it finds no parent and makes none; spans
   * of a user's pg client or HTTP client still nest under whatever is current.
   */
  public OpenTelemetry storageOnly() {
    OpenTelemetry sdk = this.sdk;
    return new OpenTelemetry() {
      @Override
      public io.opentelemetry.api.trace.TracerProvider getTracerProvider() {
        return sdk.getTracerProvider();
      }

      @Override
      public ContextPropagators getPropagators() {
        return ContextPropagators.noop();
      }
    };
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  public Tracer tracer() {
    return tracer;
  }

  public TextMapPropagator propagator() {
    return sdk.getPropagators().getTextMapPropagator();
  }

  public TelemetryConfig config() {
    return config;
  }

  public SpanStats stats() {
    return stats;
  }

  /** Requests whose trace headers could not be used, counted, summarised once a minute. */
  public InvalidTraceHeaders invalidHeaders() {
    return invalidHeaders;
  }

  /**
   * Exports every finished span, waiting at most the export timeout: a dead or hung collector
   * delays exit by no more than that. Idempotent.
   */
  public synchronized void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    Duration limit = config.batch().exportTimeout().plusSeconds(1);
    CompletableResultCode logsDone =
        logs == null ? CompletableResultCode.ofSuccess() : logs.shutdown();
    CompletableResultCode result =
        sdk.getSdkTracerProvider().shutdown().join(limit.toMillis(), TimeUnit.MILLISECONDS);
    logsDone.join(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (!result.isSuccess()) {
      LOG.warn(
          "telemetry: spans could not all be exported at shutdown (collector "
              + Urls.redact(config.tracesEndpoint())
              + " unreachable or slow); "
              + stats.dropped()
              + " span(s) dropped in total");
    }
  }
}
