package dev.tracegate.accesslog;

import dev.tracegate.config.LogFormat;
import dev.tracegate.logging.JsonText;
import dev.tracegate.logging.Timestamps;

/**
 * Renders an {@link AccessRecord} as one line. JSON keys are those of SPEC §8; the upstream, db and
 * bus keys appear only for requests that used one. The text line reads like nginx's combined
 * format with the trace ids at the end:
 * <pre>2026-12-02T11:43:06.120Z 127.0.0.1 "GET /api/orders/1" 200 - 12.345ms in=0 out=51 route=orders
 * upstream=orders@127.0.0.1:9101 attempts=1 upstream_ms=11.870 ua="curl/8.5.0" request_id=… trace_id=… span_id=…</pre>
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
    int start = out.length();
    out.append('{');
    key(out, start, "timestamp").append('"');
    Timestamps.append(out, r.startMillis()).append('"');
    JsonText.quote(key(out, start, "trace_id"), r.span().getTraceId());
    JsonText.quote(key(out, start, "span_id"), r.span().getSpanId());
    JsonText.quote(key(out, start, "request_id"), r.requestId());
    JsonText.quote(key(out, start, "route"), r.route());
    JsonText.quote(key(out, start, "method"), r.method());
    JsonText.quote(key(out, start, "path"), r.path());
    if (r.query() != null) {
      JsonText.quote(key(out, start, "query"), r.query());
    }
    key(out, start, "status").append(r.status());
    JsonText.quote(key(out, start, "error"), r.error());
    millis(key(out, start, "duration_ms"), r.durationNanos());
    JsonText.quote(key(out, start, "client"), r.client());
    JsonText.quote(key(out, start, "user_agent"), r.userAgent());
    key(out, start, "bytes_in").append(r.bytesIn());
    key(out, start, "bytes_out").append(r.bytesOut());
    key(out, start, "sampled").append(r.span().isSampled());
    if (r.upstream() != null) {
      JsonText.quote(key(out, start, "upstream"), r.upstream());
      JsonText.quote(key(out, start, "upstream_address"), r.upstreamAddress());
      key(out, start, "upstream_attempts").append(r.upstreamAttempts());
    }
    timing(out, start, "upstream_ms", r.upstreamNanos());
    timing(out, start, "db_ms", r.dbNanos());
    timing(out, start, "bus_ms", r.busNanos());
    out.append('}');
  }

  private static StringBuilder key(StringBuilder out, int objectStart, String key) {
    if (out.length() > objectStart + 1) {
      out.append(',');
    }
    return out.append('"').append(key).append("\":");
  }

  private static void timing(StringBuilder out, int start, String key, long nanos) {
    if (nanos >= 0) {
      millis(key(out, start, key), nanos);
    }
  }

  private static void text(StringBuilder out, AccessRecord r) {
    Timestamps.append(out, r.startMillis()).append(' ').append(r.client() == null ? "-" : r.client()).append(' ');
    StringBuilder requestLine = new StringBuilder(r.method().length() + r.path().length() + 1)
        .append(r.method()).append(' ').append(r.path());
    if (r.query() != null) {
      requestLine.append('?').append(r.query());
    }
    JsonText.quote(out, requestLine).append(' ').append(r.status()).append(' ')
        .append(r.error() == null ? "-" : r.error()).append(' ');
    millis(out, r.durationNanos()).append("ms in=").append(r.bytesIn()).append(" out=").append(r.bytesOut());
    out.append(" route=").append(r.route() == null ? "-" : r.route());
    if (r.upstream() != null) {
      out.append(" upstream=").append(r.upstream()).append('@').append(r.upstreamAddress())
          .append(" attempts=").append(r.upstreamAttempts());
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
    out.append(" request_id=").append(r.requestId())
        .append(" trace_id=").append(r.span().getTraceId())
        .append(" span_id=").append(r.span().getSpanId())
        .append(" sampled=").append(r.span().isSampled());
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
