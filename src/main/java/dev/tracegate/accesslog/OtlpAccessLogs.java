package dev.tracegate.accesslog;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/**
 * {@code accessLog.otlp}: each written record also leaves as an OTLP log record whose trace and
 * span ids are the request's SERVER span (set through the record's {@link Context}), with the
 * access-log fields as attributes under the HTTP semantic-convention names where there is one.
 * Severity is ERROR for 5xx, WARN for 4xx, INFO otherwise. Runs on the writer thread; the SDK's
 * batch processor drops rather than blocks when the collector cannot keep up.
 */
final class OtlpAccessLogs {
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("tracegate.route");
  private static final AttributeKey<String> REQUEST_ID =
      AttributeKey.stringKey("tracegate.request_id");
  private static final AttributeKey<String> ERROR = AttributeKey.stringKey("tracegate.error");
  private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
  private static final AttributeKey<String> USER_AGENT =
      AttributeKey.stringKey("user_agent.original");
  private static final AttributeKey<Double> DURATION_MS =
      AttributeKey.doubleKey("tracegate.duration_ms");
  private static final AttributeKey<Long> BYTES_IN = AttributeKey.longKey("http.request.body.size");
  private static final AttributeKey<Long> BYTES_OUT =
      AttributeKey.longKey("http.response.body.size");
  private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("tracegate.upstream");
  private static final AttributeKey<String> UPSTREAM_ADDRESS =
      AttributeKey.stringKey("tracegate.upstream_address");
  private static final AttributeKey<Long> UPSTREAM_ATTEMPTS =
      AttributeKey.longKey("tracegate.upstream_attempts");

  private final Logger logger;

  OtlpAccessLogs(Logger logger) {
    this.logger = logger;
  }

  void emit(AccessRecord r) {
    AttributesBuilder a =
        Attributes.builder()
            .put(METHOD, r.method())
            .put(PATH, r.path())
            .put(STATUS, (long) r.status())
            .put(REQUEST_ID, r.requestId())
            .put(DURATION_MS, r.durationNanos() / 1e6)
            .put(BYTES_IN, r.bytesIn())
            .put(BYTES_OUT, r.bytesOut());
    putIfPresent(a, ROUTE, r.route());
    putIfPresent(a, ERROR, r.error());
    putIfPresent(a, CLIENT, r.client());
    putIfPresent(a, USER_AGENT, r.userAgent());
    if (r.upstream() != null) {
      a.put(UPSTREAM, r.upstream())
          .put(UPSTREAM_ADDRESS, r.upstreamAddress())
          .put(UPSTREAM_ATTEMPTS, (long) r.upstreamAttempts());
    }
    logger
        .logRecordBuilder()
        .setTimestamp(r.startMillis(), TimeUnit.MILLISECONDS)
        .setContext(Context.root().with(Span.wrap(r.span())))
        .setSeverity(
            r.status() >= 500 ? Severity.ERROR : r.status() >= 400 ? Severity.WARN : Severity.INFO)
        .setSeverityText(r.status() >= 500 ? "ERROR" : r.status() >= 400 ? "WARN" : "INFO")
        .setBody(r.method() + " " + r.path() + " " + r.status())
        .setAllAttributes(a.build())
        .emit();
  }

  private static void putIfPresent(AttributesBuilder a, AttributeKey<String> key, String value) {
    if (value != null) {
      a.put(key, value);
    }
  }
}
