package dev.tracegate.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code accessLog}: one record per request, written off the event loop.
 *
 * @param file where records are appended; empty means standard output
 * @param sample the share of successful (status below 400, no gateway error) requests logged; every
 *     other request is always logged
 * @param otlp also export each record as an OTLP log record
 * @param query include the query string (left out by default: query strings carry secrets)
 */
public record AccessLogConfig(
    boolean enabled,
    LogFormat format,
    Optional<Path> file,
    double sample,
    boolean otlp,
    boolean query) {
  public static final String STDOUT = "stdout";

  public static AccessLogConfig off() {
    return new AccessLogConfig(false, LogFormat.JSON, Optional.empty(), 1.0, false, false);
  }
}
