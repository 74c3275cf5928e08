package dev.tracegate.accesslog;

import dev.tracegate.config.LogFormat;
import dev.tracegate.logging.JsonText;
import dev.tracegate.logging.Timestamps;

/**
 * Renders an {@link AccessRecord} as one line. JSON keys are those of SPEC §8; the upstream, db and
 * bus keys appear only for requests that used one. The text line reads like nginx's combined format
 * with the trace ids at the end:
 *
 * <pre>
 * 2026-12-02T11:43:06.120Z 127.0.0.1 "GET /api/orders/1" 200 - 12.345ms in=0 out=51 route=orders
 * upstream=orders@127.0.0.1:9101 attempts=1 upstream_ms=11.870 ua="curl/8.5.0" request_id=… trace_id=… span_id=…
 * </pre>
 *
 * Strings a client chose (path, query, user agent) are escaped, so no request can forge a line.
 */
final class RecordFormat {
  private final LogFormat format;

  RecordFormat(LogFormat format) {
    this.format = format;
  }

  void append(StringBuilder out, AccessRecord r) {
    if (format == LogFormat.JSON) {
      json(out, r);
    } else {
      text(out, r);
    }
    out.append('\n');
  }

  private static void json(StringBuilder out, AccessRecord r) {
    out.append('{');
    JsonText.key(out, "timestamp").append('"');
    Timestamps.append(out, r.startMillis()).append('"');
    JsonText.quote(JsonText.key(out, "trace_id"), r.span().getTraceId());
    JsonText.quote(JsonText.key(out, "span_id"), r.span().getSpanId());
    JsonText.quote(JsonText.key(out, "request_id"), r.requestId());
    JsonText.quote(JsonText.key(out, "route"), r.route());
    JsonText.quote(JsonText.key(out, "method"), r.method());
    JsonText.quote(JsonText.key(out, "path"), r.path());
    if (r.query() != null) {
      JsonText.quote(JsonText.key(out, "query"), r.query());
    }
    JsonText.key(out, "status").append(r.status());
    JsonText.quote(JsonText.key(out, "error"), r.error());
    millis(JsonText.key(out, "duration_ms"), r.durationNanos());
    JsonText.quote(JsonText.key(out, "client"), r.client());
    JsonText.quote(JsonText.key(out, "user_agent"), r.userAgent());
    JsonText.key(out, "bytes_in").append(r.bytesIn());
    JsonText.key(out, "bytes_out").append(r.bytesOut());
    JsonText.key(out, "sampled").append(r.sampled());
    if (r.upstream() != null) {
      JsonText.quote(JsonText.key(out, "upstream"), r.upstream());
      JsonText.quote(JsonText.key(out, "upstream_address"), r.upstreamAddress());
      JsonText.key(out, "upstream_attempts").append(r.upstreamAttempts());
    }
    timing(out, "upstream_ms", r.upstreamNanos());
    timing(out, "db_ms", r.dbNanos());
    timing(out, "bus_ms", r.busNanos());
    out.append('}');
  }

  private static void timing(StringBuilder out, String key, long nanos) {
    if (nanos >= 0) {
      millis(JsonText.key(out, key), nanos);
    }
  }

  private static void text(StringBuilder out, AccessRecord r) {
    Timestamps.append(out, r.startMillis())
        .append(' ')
        .append(r.client() == null ? "-" : r.client())
        .append(' ');
    StringBuilder requestLine =
        new StringBuilder(r.method().length() + r.path().length() + 1)
            .append(r.method())
            .append(' ')
            .append(r.path());
    if (r.query() != null) {
      requestLine.append('?').append(r.query());
    }
    JsonText.quote(out, requestLine)
        .append(' ')
        .append(r.status())
        .append(' ')
        .append(r.error() == null ? "-" : r.error())
        .append(' ');
    millis(out, r.durationNanos())
        .append("ms in=")
        .append(r.bytesIn())
        .append(" out=")
        .append(r.bytesOut());
    out.append(" route=").append(r.route() == null ? "-" : r.route());
    if (r.upstream() != null) {
      out.append(" upstream=")
          .append(r.upstream())
          .append('@')
          .append(r.upstreamAddress())
          .append(" attempts=")
          .append(r.upstreamAttempts());
    }
    textTiming(out, " upstream_ms=", r.upstreamNanos());
    textTiming(out, " db_ms=", r.dbNanos());
    textTiming(out, " bus_ms=", r.busNanos());
    out.append(" ua=");
    if (r.userAgent() == null) {
      out.append('-');
    } else {
      JsonText.quote(out, r.userAgent());
    }
    out.append(" request_id=")
        .append(r.requestId())
        .append(" trace_id=")
        .append(r.span().getTraceId())
        .append(" span_id=")
        .append(r.span().getSpanId())
        .append(" sampled=")
        .append(r.sampled());
  }

  private static void textTiming(StringBuilder out, String label, long nanos) {
    if (nanos >= 0) {
      millis(out.append(label), nanos);
    }
  }

  /** Milliseconds with three decimals, without String.format. */
  static StringBuilder millis(StringBuilder out, long nanos) {
    long micros = Math.max(0, nanos) / 1000;
    long fraction = micros % 1000;
    out.append(micros / 1000).append('.');
    if (fraction < 100) {
      out.append('0');
    }
    if (fraction < 10) {
      out.append('0');
    }
    return out.append(fraction);
  }
}
