package dev.tracegate.accesslog;

import io.opentelemetry.api.trace.SpanContext;

/**
 * One request as the access log shows it, copied off the request when it ended so that the writer
 * thread never touches Vert.x objects. Absent values are null; absent timings are -1. {@code
 * sampled}: the trace is recorded and leaves for a collector (never with the exporter {@code
 * none}).
 */
record AccessRecord(
    long startMillis,
    SpanContext span,
    String requestId,
    String route,
    String method,
    String path,
    String query,
    int status,
    String error,
    long durationNanos,
    boolean sampled,
    String client,
    String userAgent,
    long bytesIn,
    long bytesOut,
    String upstream,
    String upstreamAddress,
    int upstreamAttempts,
    long upstreamNanos,
    long dbNanos,
    long busNanos) {

  /** Whether this request is always logged, whatever {@code accessLog.sample} says. */
  boolean failed() {
    return status >= 400 || error != null;
  }
}
