package dev.tracegate.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one signal's {@link OtlpOptions} from the environment, as the OTLP exporter specification
 * names the variables: {@code OTEL_EXPORTER_OTLP_TRACES_X} (or {@code _LOGS_X}) wins over {@code
 * OTEL_EXPORTER_OTLP_X}. A bad value stops the start naming the variable, never quoting a header's
 * value; certificate files must be readable PEM.
 */
final class OtlpOptionsReader {
  private final Map<String, String> env;

  OtlpOptionsReader(Map<String, String> env) {
    this.env = env;
  }

  /** {@code signal}: {@code TRACES} or {@code LOGS}. */
  OtlpOptions read(String signal) {
    Optional<Path> key = pem(signal, "CLIENT_KEY");
    Optional<Path> cert = pem(signal, "CLIENT_CERTIFICATE");
    if (key.isPresent() != cert.isPresent()) {
      throw new ConfigException(
          variable(signal, key.isPresent() ? "CLIENT_CERTIFICATE" : "CLIENT_KEY"),
          "a client key and a client certificate go together; only one is set");
    }
    return new OtlpOptions(
        headers(signal), gzip(signal), timeout(signal), pem(signal, "CERTIFICATE"), key, cert);
  }

  /** The signal's own variable when set, else the general one; null when neither is. */
  private String variable(String signal, String option) {
    String own = "OTEL_EXPORTER_OTLP_" + signal + "_" + option;
    String value = env.get(own);
    return value != null && !value.isBlank() ? own : "OTEL_EXPORTER_OTLP_" + option;
  }

  private String value(String signal, String option) {
    String v = env.get(variable(signal, option));
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** {@code key1=value1,key2=value2}, values percent-decoded (W3C Baggage's encoding). */
  private Map<String, String> headers(String signal) {
    String v = value(signal, "HEADERS");
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    String[] entries = v.split(",");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i];
      int eq = entry.indexOf('=');
      String name = eq <= 0 ? "" : entry.substring(0, eq).trim();
      if (entry.isBlank()) {
        continue;
      }
      if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        throw new ConfigException(
            variable(signal, "HEADERS"),
            "entry " + (i + 1) + " is not name=value with a header name");
      }
      out.put(name.toLowerCase(Locale.ROOT), percentDecoded(entry.substring(eq + 1).trim()));
    }
    return out;
  }

  /**
   * A value of an {@code OTEL_*} list ({@code key=value,...}), percent-decoded as the SDK
   * specification says (W3C Baggage's encoding), not as a form: a {@code +} stays a {@code +}.
   */
  static String percentDecoded(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private boolean gzip(String signal) {
    String v = value(signal, "COMPRESSION");
    if (v == null || v.equalsIgnoreCase("none")) {
      return false;
    }
    if (v.equalsIgnoreCase("gzip")) {
      return true;
    }
    throw new ConfigException(
        variable(signal, "COMPRESSION"), "'" + v + "' is not one of gzip, none");
  }

  /** Milliseconds, as the specification says. */
  private Optional<Duration> timeout(String signal) {
    String v = value(signal, "TIMEOUT");
    if (v == null) {
      return Optional.empty();
    }
    try {
      long ms = Long.parseLong(v);
      if (ms > 0) {
        return Optional.of(Duration.ofMillis(ms));
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new ConfigException(
        variable(signal, "TIMEOUT"), "'" + v + "' is not a positive number of milliseconds");
  }

  private Optional<Path> pem(String signal, String option) {
    String v = value(signal, option);
    if (v == null) {
      return Optional.empty();
    }
    Path file = Path.of(v);
    String problem;
    try {
      problem = Files.readString(file).contains("-----BEGIN ") ? null : "not a PEM file";
    } catch (Exception e) {
      problem = Files.exists(file) ? "cannot be read" : "no such file";
    }
    if (problem != null) {
      throw new ConfigException(variable(signal, option), "'" + v + "': " + problem);
    }
    return Optional.of(file);
  }
}
