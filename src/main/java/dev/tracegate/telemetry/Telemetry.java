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
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  private final ExportRetries retries;
  private final InvalidTraceHeaders invalidHeaders = new InvalidTraceHeaders();
  private SdkLoggerProvider logs;
  private boolean shutDown;

  private Telemetry(
      OpenTelemetrySdk sdk, TelemetryConfig config, SpanStats stats, ExportRetries retries) {
    this.retries = retries;
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
    ExportRetries retries = new ExportRetries();
    Exporters.spans(config, stats, retries)
        .ifPresent(p -> stats.exportTo(p, config.batch().maxQueueSize()));
    extraProcessors.forEach(provider::addSpanProcessor);
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(provider.build())
            .setPropagators(ContextPropagators.create(propagator(config.propagators())))
            .build();
    return new Telemetry(sdk, config, stats, retries);
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
      LogRecordExporter exporter = Exporters.logs(config, retries);
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
   * delays exit by no more than that, and one that refuses connections by a second at most (no
   * retry is made once stopping). Idempotent.
   */
  public synchronized void shutdown() {
    if (shutDown) {
      return;
    }
    shutDown = true;
    retries.stop();
    Duration limit =
        retries.refusing() ? Duration.ofSeconds(1) : config.batch().exportTimeout().plusSeconds(1);
    CompletableResultCode logsDone =
        logs == null ? CompletableResultCode.ofSuccess() : logs.shutdown();
    CompletableResultCode result =
        sdk.getSdkTracerProvider().shutdown().join(limit.toMillis(), TimeUnit.MILLISECONDS);
    logsDone.join(limit.toMillis(), TimeUnit.MILLISECONDS);
    long lost = stats.dropped() + stats.pending();
    if (!result.isSuccess() || lost > 0) {
      // the throttled warnings may have said nothing for a minute: this is the true total
      LOG.warn(
          "telemetry: service '"
              + config.serviceName()
              + "' lost "
              + lost
              + " span(s) in all (collector "
              + Urls.redact(config.tracesEndpoint())
              + (retries.refusing() ? " refuses connections" : " unreachable or slow")
              + "), "
              + stats.pending()
              + " of them still waiting at exit");
    }
  }
}
