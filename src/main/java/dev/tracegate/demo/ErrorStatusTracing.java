package dev.tracegate.demo;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import io.vertx.tracing.opentelemetry.Operation;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Vert.x's OpenTelemetry tracing with one fix the demo services need: vertx-opentelemetry records a
 * failure as an {@code exception} event and leaves the span's status UNSET (its caller gone, a
 * connection reset), which Jaeger does not paint red and which the linkage audit reports as {@code
 * error_unset}. This decorator sets the status ERROR, with {@code error.type}, on the same span
 * before it ends. And the health checks the gateway sends ({@code GET /health}) make no trace.
 * Everything else is Vert.x's own.
 */
final class ErrorStatusTracing implements VertxTracerFactory {
  static final String HEALTH = "/health";

  private final OpenTelemetryTracingFactory delegate;

  ErrorStatusTracing(OpenTelemetry otel) {
    this.delegate = new OpenTelemetryTracingFactory(otel);
  }

  @Override
  @SuppressWarnings(
      "unchecked") // vertx-opentelemetry's tracer is a VertxTracer<Operation, Operation>
  public VertxTracer<Operation, Operation> tracer(TracingOptions options) {
    return new Marking(
        (VertxTracer<Operation, Operation>) (VertxTracer<?, ?>) delegate.tracer(options));
  }

  private static final class Marking implements VertxTracer<Operation, Operation> {
    private final VertxTracer<Operation, Operation> tracer;

    Marking(VertxTracer<Operation, Operation> tracer) {
      this.tracer = tracer;
    }

    @Override
    public <R> Operation receiveRequest(
        Context context,
        SpanKind kind,
        TracingPolicy policy,
        R request,
        String operation,
        Iterable<Map.Entry<String, String>> headers,
        TagExtractor<R> tagExtractor) {
      if (request instanceof HttpServerRequest r && HEALTH.equals(r.path())) {
        return null; // a probe every few seconds: no trace of its own above the users' requests
      }
      return tracer.receiveRequest(
          context, kind, policy, request, operation, headers, tagExtractor);
    }

    @Override
    public <R> void sendResponse(
        Context context,
        R response,
        Operation payload,
        Throwable failure,
        TagExtractor<R> tagExtractor) {
      mark(payload, failure);
      tracer.sendResponse(context, response, payload, failure, tagExtractor);
    }

    @Override
    public <R> Operation sendRequest(
        Context context,
        SpanKind kind,
        TracingPolicy policy,
        R request,
        String operation,
        BiConsumer<String, String> headers,
        TagExtractor<R> tagExtractor) {
      return tracer.sendRequest(context, kind, policy, request, operation, headers, tagExtractor);
    }

    @Override
    public <R> void receiveResponse(
        Context context,
        R response,
        Operation payload,
        Throwable failure,
        TagExtractor<R> tagExtractor) {
      mark(payload, failure);
      tracer.receiveResponse(context, response, payload, failure, tagExtractor);
    }

    @Override
    public void close() {
      tracer.close();
    }

    private static void mark(Operation operation, Throwable failure) {
      if (operation != null && failure != null) {
        operation
            .span()
            .setAttribute("error.type", failure.getClass().getName())
            .setStatus(
                StatusCode.ERROR,
                failure.getMessage() == null
                    ? failure.getClass().getSimpleName()
                    : failure.getMessage());
      }
    }
  }
}
