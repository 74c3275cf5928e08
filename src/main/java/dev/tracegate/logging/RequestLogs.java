package dev.tracegate.logging;

import dev.tracegate.route.Exchange;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Tags a log record with the request it is about: {@code trace_id} and {@code span_id} of the
 * request's SERVER span and its {@code request_id}, taken from the request's exchange. An event
 * loop interleaves many requests on one thread, so a thread-local MDC would stamp a line with
 * whichever request ran last.
 *
 * <pre>{@code RequestLogs.of(LOG.atDebug(), exchange).log("upstream {} failed", name);}</pre>
 */
public final class RequestLogs {
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";
  public static final String REQUEST_ID = "request_id";

  private RequestLogs() {}

  public static LoggingEventBuilder of(LoggingEventBuilder record, Exchange exchange) {
    SpanContext context = exchange.span().getSpanContext();
    return record
        .addKeyValue(TRACE_ID, context.getTraceId())
        .addKeyValue(SPAN_ID, context.getSpanId())
        .addKeyValue(REQUEST_ID, exchange.outcome().requestId());
  }
}
