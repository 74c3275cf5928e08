package dev.tracegate.bus;

import dev.tracegate.config.RouteConfig;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;

/**
 * One event-bus exchange for a request: a PRODUCER span {@code send {address}} or {@code publish
 * {address}} under {@code parent}, its context injected into the message headers, Vert.x's own
 * event-bus tracing off (one span per hop). A send ends its span with the reply or the failure; a
 * publish as soon as the message is handed over.
 */
public final class BusCall {
  public static final String SYSTEM = "vertx-eventbus";

  private final EventBus bus;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final RouteConfig.Bus config;
  private final String spanName;

  public BusCall(
      EventBus bus, Tracer tracer, TextMapPropagator propagator, RouteConfig.Bus config) {
    this.bus = bus;
    this.tracer = tracer;
    this.propagator = propagator;
    this.config = config;
    this.spanName =
        (config.mode() == RouteConfig.BusMode.PUBLISH ? "publish " : "send ") + config.address();
  }

  /** The message for {@code ex} (SPEC §9), {@code headers} the captured request headers' names. */
  public static JsonObject message(Exchange ex, java.util.List<String> headers) {
    return BusMessage.of(ex, headers);
  }

  public RouteConfig.Bus config() {
    return config;
  }

  /** Sends or publishes {@code message}; the reply for a send, null for a publish. */
  public Future<Message<Object>> call(Exchange ex, Context parent, JsonObject message) {
    boolean publish = config.mode() == RouteConfig.BusMode.PUBLISH;
    long timeoutMs = Math.max(1, Math.min(config.timeout().toMillis(), ex.remainingMillis()));
    Span span =
        tracer
            .spanBuilder(spanName)
            .setParent(parent)
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(Attr.MESSAGING_SYSTEM, SYSTEM)
            .setAttribute(Attr.MESSAGING_DESTINATION, config.address())
            .setAttribute(Attr.MESSAGING_OPERATION_TYPE, publish ? "publish" : "send")
            .setAttribute(Attr.MESSAGING_OPERATION_NAME, publish ? "publish" : "send")
            .startSpan();
    DeliveryOptions options =
        new DeliveryOptions().setSendTimeout(timeoutMs).setTracingPolicy(TracingPolicy.IGNORE);
    propagator.inject(parent.with(span), options, DeliveryOptions::addHeader);
    long start = System.nanoTime();
    if (publish) {
      bus.publish(config.address(), message, options);
      span.end();
      ex.outcome().busTime(System.nanoTime() - start);
      return Future.succeededFuture();
    }
    return bus.request(config.address(), message, options)
        .transform(
            ar -> {
              ex.outcome().busTime(System.nanoTime() - start);
              if (ar.succeeded()) {
                span.end();
                return Future.succeededFuture(ar.result());
              }
              GatewayError error = classify(ar.cause(), timeoutMs);
              Spans.fail(span, error.errorType(), error.getMessage(), ar.cause());
              span.end();
              return Future.failedFuture(error);
            });
  }

  private GatewayError classify(Throwable t, long timeoutMs) {
    String address = config.address();
    if (t instanceof ReplyException e) {
      switch (e.failureType()) {
        case TIMEOUT:
          return new GatewayError(
              ErrorKey.BUS_TIMEOUT,
              "no reply from '" + address + "' within " + timeoutMs + "ms",
              "timeout",
              t);
        case NO_HANDLERS:
          return new GatewayError(
              ErrorKey.BUS_UNAVAILABLE, "no consumer at '" + address + "'", "no_handlers", t);
        case RECIPIENT_FAILURE:
          return new GatewayError(
              ErrorKey.BUS_ERROR,
              "the consumer at '"
                  + address
                  + "' failed the message (code "
                  + e.failureCode()
                  + ": "
                  + e.getMessage()
                  + ")",
              Integer.toString(e.failureCode()),
              t);
        default:
          break;
      }
    }
    return new GatewayError(
        ErrorKey.BUS_ERROR,
        "event-bus error at '" + address + "': " + t.getMessage(),
        t.getClass().getName(),
        t);
  }
}
