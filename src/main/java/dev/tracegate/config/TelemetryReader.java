package dev.tracegate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code telemetry} section, then lets the standard {@code OTEL_*} variables win, as the
 * OpenTelemetry specification says they should.
 */
final class TelemetryReader {
  private final Map<String, String> env;

  TelemetryReader(Map<String, String> env) {
    this.env = env;
  }

  TelemetryConfig read(ConfigNode n) {
    String serviceName =
        otel("OTEL_SERVICE_NAME", n.string("serviceName", TelemetryConfig.DEFAULT_SERVICE_NAME));
    TelemetryConfig.Exporter exporter =
        n.choice("exporter", TelemetryConfig.Exporter.class, TelemetryConfig.Exporter.OTLP);
    exporter = otelExporter(exporter);
    TelemetryConfig.Protocol protocol =
        protocol(
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            named(
                TelemetryConfig.Protocol.class,
                n.string("protocol", TelemetryConfig.Protocol.HTTP_PROTOBUF.key()),
                TelemetryConfig.Protocol::key,
                n.key("protocol")));
    TelemetryConfig.Protocol tracesProtocol =
        protocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", protocol);
    TelemetryConfig.Protocol logsProtocol = protocol("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", protocol);
    String endpoint = n.string("endpoint", null);
    String tracesEndpoint =
        signalEndpoint(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint, tracesProtocol, "/v1/traces");
    String logsEndpoint =
        signalEndpoint("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", endpoint, logsProtocol, "/v1/logs");
    String samplerText =
        otel("OTEL_TRACES_SAMPLER", n.string("sampler", TelemetryConfig.DEFAULT_SAMPLER.key()))
            .trim()
            .toLowerCase(Locale.ROOT);
    TelemetryConfig.SamplerName sampler =
        named(
            TelemetryConfig.SamplerName.class,
            samplerText,
            TelemetryConfig.SamplerName::key,
            keyOr("OTEL_TRACES_SAMPLER", "telemetry.sampler"));
    double samplerArg = n.decimal("samplerArg", 1.0, 0.0, 1.0);
    if (env.containsKey("OTEL_TRACES_SAMPLER_ARG")) {
      samplerArg =
          ConfigNode.of("", Map.of("OTEL_TRACES_SAMPLER_ARG", env.get("OTEL_TRACES_SAMPLER_ARG")))
              .decimal("OTEL_TRACES_SAMPLER_ARG", 1.0, 0.0, 1.0);
    }
    List<String> propagatorNames =
        n.strings(
            "propagators",
            TelemetryConfig.DEFAULT_PROPAGATORS.stream()
                .map(TelemetryConfig.PropagatorName::key)
                .toList());
    if (env.containsKey("OTEL_PROPAGATORS")) {
      propagatorNames =
          ConfigNode.of("", Map.of("OTEL_PROPAGATORS", env.get("OTEL_PROPAGATORS")))
              .strings("OTEL_PROPAGATORS", propagatorNames);
    }
    List<TelemetryConfig.PropagatorName> propagators = new ArrayList<>();
    for (String p : propagatorNames) {
      if (!p.equals("none")) {
        TelemetryConfig.PropagatorName name =
            named(
                TelemetryConfig.PropagatorName.class,
                p.trim().toLowerCase(Locale.ROOT),
                TelemetryConfig.PropagatorName::key,
                keyOr("OTEL_PROPAGATORS", "telemetry.propagators"));
        if (!propagators.contains(name)) {
          propagators.add(name);
        }
      }
    }
    int recent =
        (int) n.integer("recentTraces", TelemetryConfig.DEFAULT_RECENT_TRACES, 0, 1_000_000);
    Duration settle = n.duration("linkageSettle", TelemetryConfig.DEFAULT_LINKAGE_SETTLE);
    TelemetryConfig.CaptureHeaders capture = captureHeaders(n.child("captureHeaders"));
    Set<String> redact = new LinkedHashSet<>();
    n.strings("redactQueryKeys", TelemetryConfig.DEFAULT_REDACT_QUERY_KEYS)
        .forEach(k -> redact.add(k.toLowerCase(Locale.ROOT)));
    n.finish();
    return new TelemetryConfig(
        serviceName,
        exporter,
        tracesEndpoint,
        sampler,
        samplerArg,
        propagators,
        recent,
        settle,
        resourceAttributes(),
        batch(),
        logsEndpoint,
        capture,
        redact,
        tracesProtocol,
        logsProtocol,
        new OtlpOptionsReader(env).read("TRACES"),
        new OtlpOptionsReader(env).read("LOGS"));
  }

  private static TelemetryConfig.CaptureHeaders captureHeaders(ConfigNode n) {
    var capture =
        new TelemetryConfig.CaptureHeaders(headerNames(n, "request"), headerNames(n, "response"));
    n.finish();
    return capture;
  }

  private static List<String> headerNames(ConfigNode n, String key) {
    List<String> names = n.strings(key, List.of());
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      String at = n.key(key) + "[" + i + "]";
      if (!name.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new ConfigException(at, "'" + name + "' is not a lower-case header name");
      }
      if (TelemetryConfig.CaptureHeaders.CREDENTIALS.contains(name)) {
        throw new ConfigException(at, "'" + name + "' carries credentials and is never captured");
      }
    }
    return names.stream().distinct().toList();
  }

  /** The constant of {@code type} whose key is {@code text}, or the error naming every key. */
  private static <E extends Enum<E>> E named(
      Class<E> type, String text, java.util.function.Function<E, String> key, String where) {
    for (E e : type.getEnumConstants()) {
      if (key.apply(e).equals(text)) {
        return e;
      }
    }
    List<String> keys = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      keys.add(key.apply(e));
    }
    throw new ConfigException(where, "'" + text + "' is not one of " + String.join(", ", keys));
  }

  private String otel(String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  private String keyOr(String var, String key) {
    return env.containsKey(var) ? var : key;
  }

  private TelemetryConfig.Exporter otelExporter(TelemetryConfig.Exporter fromFile) {
    if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
      return TelemetryConfig.Exporter.NONE;
    }
    String v = env.get("OTEL_TRACES_EXPORTER");
    if (v == null || v.isBlank()) {
      return fromFile;
    }
    switch (v.trim().toLowerCase()) {
      case "otlp":
        return TelemetryConfig.Exporter.OTLP;
      case "logging":
      case "console":
        return TelemetryConfig.Exporter.LOGGING;
      case "none":
        return TelemetryConfig.Exporter.NONE;
      default:
        throw new ConfigException(
            "OTEL_TRACES_EXPORTER", "'" + v + "' is not one of otlp, logging, none");
    }
  }

  /** The protocol {@code var} names, else {@code fallback}. */
  private TelemetryConfig.Protocol protocol(String var, TelemetryConfig.Protocol fallback) {
    String v = env.get(var);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    return named(
        TelemetryConfig.Protocol.class,
        v.trim().toLowerCase(Locale.ROOT),
        TelemetryConfig.Protocol::key,
        var);
  }

  /**
   * The full URL of one signal: its own variable as given, else the base endpoint (the file's, else
   * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, else the protocol's default port on localhost), plus the
   * signal's path for http/protobuf; gRPC names the service in the request, so its URL has no path,
   * as the OTLP exporter specification says.
   */
  private String signalEndpoint(
      String signalVar, String fromFile, TelemetryConfig.Protocol protocol, String path) {
    String own = env.get(signalVar);
    String key = signalVar;
    String url;
    if (own != null && !own.isBlank()) {
      url = own.trim();
    } else {
      String fallback =
          fromFile != null
              ? fromFile
              : protocol == TelemetryConfig.Protocol.GRPC
                  ? TelemetryConfig.DEFAULT_GRPC_ENDPOINT
                  : TelemetryConfig.DEFAULT_ENDPOINT;
      String base = otel("OTEL_EXPORTER_OTLP_ENDPOINT", fallback).trim();
      key = keyOr("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.endpoint");
      base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
      url = protocol == TelemetryConfig.Protocol.GRPC ? base : base + path;
    }
    if (!url.matches("https?://[^/\\s]+(/\\S*)?")) {
      throw new ConfigException(key, "'" + url + "' is not an http:// or https:// URL");
    }
    return url;
  }

  private Map<String, String> resourceAttributes() {
    Map<String, String> out = new LinkedHashMap<>();
    String v = env.get("OTEL_RESOURCE_ATTRIBUTES");
    if (v == null) {
      return out;
    }
    for (String pair : v.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        if (!pair.isBlank()) {
          throw new ConfigException(
              "OTEL_RESOURCE_ATTRIBUTES", "'" + pair.trim() + "' is not key=value");
        }
        continue;
      }
      out.put(
          pair.substring(0, eq).trim(),
          OtlpOptionsReader.percentDecoded(pair.substring(eq + 1).trim()));
    }
    return out;
  }

  private TelemetryConfig.Batch batch() {
    return new TelemetryConfig.Batch(
        millis("OTEL_BSP_SCHEDULE_DELAY", TelemetryConfig.Batch.DEFAULT_SCHEDULE_DELAY),
        count("OTEL_BSP_MAX_QUEUE_SIZE", TelemetryConfig.Batch.DEFAULT_MAX_QUEUE_SIZE),
        count(
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", TelemetryConfig.Batch.DEFAULT_MAX_EXPORT_BATCH_SIZE),
        millis("OTEL_BSP_EXPORT_TIMEOUT", TelemetryConfig.Batch.DEFAULT_EXPORT_TIMEOUT));
  }

  private Duration millis(String var, Duration fallback) {
    return env.containsKey(var) ? Duration.ofMillis(count(var, 0)) : fallback;
  }

  private int count(String var, int fallback) {
    String v = env.get(var);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n <= 0) {
        throw new ConfigException(var, n + " must be greater than 0");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(var, "'" + v + "' is not a whole number");
    }
  }
}
