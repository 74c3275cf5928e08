package dev.tracegate.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.semconv.ExceptionAttributes;

/**
 * Marks spans failed the way Jaeger paints red: status ERROR, {@code error.type}, an exception
 * event.
 */
public final class Spans {
  private static final AttributeKey<String> EXCEPTION_TYPE = ExceptionAttributes.EXCEPTION_TYPE;
  private static final AttributeKey<String> EXCEPTION_MESSAGE =
      ExceptionAttributes.EXCEPTION_MESSAGE;

  private Spans() {}

  /**
   * Status ERROR with {@code description}, {@code error.type}, and an {@code exception} event for
   * {@code cause}.
   */
  public static void fail(Span span, String errorType, String description, Throwable cause) {
    span.setStatus(StatusCode.ERROR, description);
    span.setAttribute(Attr.ERROR_TYPE, errorType);
    if (cause != null) {
      span.recordException(cause);
    } else {
      span.addEvent(
          "exception", Attributes.of(EXCEPTION_TYPE, errorType, EXCEPTION_MESSAGE, description));
    }
  }
}
