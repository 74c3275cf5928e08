package dev.tracegate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How one signal's OTLP export reaches its collector, from the specification's variables ({@code
 * OTEL_EXPORTER_OTLP_HEADERS}, {@code _COMPRESSION}, {@code _TIMEOUT}, {@code _CERTIFICATE}, {@code
 * _CLIENT_KEY}, {@code _CLIENT_CERTIFICATE}, each with a {@code _TRACES_} or {@code _LOGS_} form
 * that wins for its signal): headers sent with every export (an API key for a hosted backend),
 * gzip, the request timeout (absent: {@code OTEL_BSP_EXPORT_TIMEOUT}), and for {@code https}
 * endpoints the PEM files of the CAs to trust (absent: the JVM's) and of a client certificate.
 * Header values are secrets: {@link #toString} never shows them.
 */
public record OtlpOptions(
    Map<String, String> headers,
    boolean gzip,
    Optional<Duration> timeout,
    Optional<Path> certificate,
    Optional<Path> clientKey,
    Optional<Path> clientCertificate) {
  public static final OtlpOptions DEFAULT =
      new OtlpOptions(
          Map.of(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public OtlpOptions {
    headers = Map.copyOf(headers);
  }

  /** The request timeout: this signal's own, else the batch processor's export timeout. */
  public Duration timeoutOr(Duration exportTimeout) {
    return timeout.orElse(exportTimeout);
  }

  @Override
  public String toString() {
    return "OtlpOptions[headers="
        + headers.keySet().stream().sorted().map(k -> k + "=****").collect(Collectors.joining(","))
        + ", gzip="
        + gzip
        + ", timeout="
        + timeout.map(Duration::toString).orElse("default")
        + ", certificate="
        + certificate.map(Path::toString).orElse("JVM")
        + ", clientCertificate="
        + clientCertificate.map(Path::toString).orElse("none")
        + "]";
  }
}
