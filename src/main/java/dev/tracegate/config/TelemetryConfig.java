package dev.tracegate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How spans are sampled, propagated and exported. Built from the file's {@code telemetry} section
 * with the standard {@code OTEL_*} variables winning over it.
 */
public record TelemetryConfig(
    String serviceName,
    Exporter exporter,
    String tracesEndpoint,
    SamplerName sampler,
    double samplerArg,
    List<PropagatorName> propagators,
    int recentTraces,
    Duration linkageSettle,
    Map<String, String> resourceAttributes,
    Batch batch,
    String logsEndpoint,
    CaptureHeaders captureHeaders,
    Set<String> redactQueryKeys,
    Protocol tracesProtocol,
    Protocol logsProtocol,
    OtlpOptions tracesOtlp,
    OtlpOptions logsOtlp) {

  public static final String DEFAULT_SERVICE_NAME = "tracegate";
  public static final String DEFAULT_ENDPOINT = "http://localhost:4318";
  public static final String DEFAULT_GRPC_ENDPOINT = "http://localhost:4317";

  /**
   * How OTLP travels ({@code OTEL_EXPORTER_OTLP_PROTOCOL}): protobuf over HTTP/1.1 to {@code
   * {endpoint}/v1/traces}, or gRPC to the endpoint itself.
   */
  public enum Protocol {
    HTTP_PROTOBUF("http/protobuf"),
    GRPC("grpc");

    private final String key;

    Protocol(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  public static final SamplerName DEFAULT_SAMPLER = SamplerName.PARENTBASED_ALWAYS_ON;
  public static final List<PropagatorName> DEFAULT_PROPAGATORS =
      List.of(PropagatorName.TRACECONTEXT, PropagatorName.BAGGAGE);

  /** The samplers of {@code OTEL_TRACES_SAMPLER}, by their OpenTelemetry names. */
  public enum SamplerName {
    ALWAYS_ON,
    ALWAYS_OFF,
    TRACEIDRATIO,
    PARENTBASED_ALWAYS_ON,
    PARENTBASED_ALWAYS_OFF,
    PARENTBASED_TRACEIDRATIO;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The propagators of {@code OTEL_PROPAGATORS}, by their OpenTelemetry names ({@code none} is no
   * entry).
   */
  public enum PropagatorName {
    TRACECONTEXT,
    BAGGAGE,
    B3,
    B3MULTI,
    JAEGER;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Whether W3C baggage is propagated: the gateway then leaves the {@code baggage} header to it.
   */
  public boolean propagatesBaggage() {
    return propagators.contains(PropagatorName.BAGGAGE);
  }

  public static final int DEFAULT_RECENT_TRACES = 1000;

  /**
   * {@code telemetry.redactQueryKeys} when the configuration names none: masked in url.full and
   * access records.
   */
  public static final List<String> DEFAULT_REDACT_QUERY_KEYS =
      List.of("token", "key", "password", "secret", "sig", "signature", "access_token");

  /** How long a trace must be quiet, its requests finished, before the linkage audit judges it. */
  public static final Duration DEFAULT_LINKAGE_SETTLE = Duration.ofSeconds(3);

  public TelemetryConfig {
    propagators = List.copyOf(propagators);
    resourceAttributes = Map.copyOf(resourceAttributes);
    redactQueryKeys = Set.copyOf(redactQueryKeys);
  }

  public enum Exporter {
    OTLP,
    LOGGING,
    NONE
  }

  /** The same settings for another service of the demo: its own name, no recent-trace buffer. */
  public TelemetryConfig forService(String name) {
    return new TelemetryConfig(
        name,
        exporter,
        tracesEndpoint,
        sampler,
        samplerArg,
        propagators,
        0,
        linkageSettle,
        resourceAttributes,
        batch,
        logsEndpoint,
        CaptureHeaders.NONE,
        redactQueryKeys,
        tracesProtocol,
        logsProtocol,
        tracesOtlp,
        logsOtlp);
  }

  /**
   * {@code telemetry.captureHeaders}: lower-case header names copied onto the SERVER span as {@code
   * http.request.header.<name>} and {@code http.response.header.<name>}.
   */
  public record CaptureHeaders(List<String> request, List<String> response) {
    public static final CaptureHeaders NONE = new CaptureHeaders(List.of(), List.of());

    /** Never captured, whatever the configuration says: they carry credentials. */
    public static final List<String> CREDENTIALS =
        List.of("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key");

    public static final int MAX_VALUE_LENGTH = 256;

    public CaptureHeaders {
      request = List.copyOf(request);
      response = List.copyOf(response);
    }

    public boolean none() {
      return request.isEmpty() && response.isEmpty();
    }
  }

  /** The batch span processor's bounds ({@code OTEL_BSP_*}). */
  public record Batch(
      Duration scheduleDelay, int maxQueueSize, int maxExportBatchSize, Duration exportTimeout) {
    public static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofMillis(1000);
    public static final int DEFAULT_MAX_QUEUE_SIZE = 8192;
    public static final int DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
    public static final Duration DEFAULT_EXPORT_TIMEOUT = Duration.ofSeconds(5);
  }
}
