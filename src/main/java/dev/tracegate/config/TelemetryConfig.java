package dev.tracegate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How spans are sampled, propagated and exported. Built from the file's {@code telemetry} section
 * with the standard {@code OTEL_*} variables winning over it.
 */
public record TelemetryConfig(
    String serviceName,
    Exporter exporter,
    String tracesEndpoint,
    String sampler,
    double samplerArg,
    List<String> propagators,
    int recentTraces,
    Map<String, String> resourceAttributes,
    Batch batch) {

  public static final String DEFAULT_SERVICE_NAME = "tracegate";
  public static final String DEFAULT_ENDPOINT = "http://localhost:4318";
  public static final String DEFAULT_SAMPLER = "parentbased_always_on";
  public static final List<String> DEFAULT_PROPAGATORS = List.of("tracecontext", "baggage");
  public static final List<String> KNOWN_PROPAGATORS = List.of("tracecontext", "baggage", "b3", "b3multi", "jaeger");
  public static final List<String> KNOWN_SAMPLERS = List.of(
      "always_on", "always_off", "traceidratio",
      "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio");
  public static final int DEFAULT_RECENT_TRACES = 1000;

  public TelemetryConfig {
    propagators = List.copyOf(propagators);
    resourceAttributes = Map.copyOf(resourceAttributes);
  }

  public enum Exporter { OTLP, LOGGING, NONE }

  /** The batch span processor's bounds ({@code OTEL_BSP_*}). */
  public record Batch(Duration scheduleDelay, int maxQueueSize, int maxExportBatchSize, Duration exportTimeout) {
    public static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofMillis(1000);
    public static final int DEFAULT_MAX_QUEUE_SIZE = 8192;
    public static final int DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(5);
  }
}
