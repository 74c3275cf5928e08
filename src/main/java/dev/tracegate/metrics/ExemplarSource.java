package dev.tracegate.metrics;

/**
 * Hands the span of the request being recorded to Prometheus' exemplar sampler. tracegate passes
 * spans explicitly rather than making them current, so the recording thread names it here for the
 * duration of one recording.
 */
final class ExemplarSource implements io.prometheus.metrics.tracer.common.SpanContext {
  private final ThreadLocal<io.opentelemetry.api.trace.SpanContext> current = new ThreadLocal<>();

  /** Names the span whose measurement is being recorded on this thread, until {@link #end}. */
  void begin(io.opentelemetry.api.trace.SpanContext span) {
    current.set(span);
  }

  void end() {
    current.set(null);
  }

  @Override
  public String getCurrentTraceId() {
    io.opentelemetry.api.trace.SpanContext s = current.get();
    return s == null || !s.isValid() ? null : s.getTraceId();
  }

  @Override
  public String getCurrentSpanId() {
    io.opentelemetry.api.trace.SpanContext s = current.get();
    return s == null || !s.isValid() ? null : s.getSpanId();
  }

  @Override
  public boolean isCurrentSpanSampled() {
    io.opentelemetry.api.trace.SpanContext s = current.get();
    return s != null && s.isSampled();
  }

  @Override
  public void markCurrentSpanAsExemplar() {
    // the span is ending; nothing to mark
  }
}
