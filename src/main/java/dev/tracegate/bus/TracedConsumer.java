package dev.tracegate.bus;

import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.MultiMapGetter;
import dev.tracegate.telemetry.Spans;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.tracing.TracingPolicy;
import java.util.function.Function;

/**
 * An event-bus consumer whose code runs inside its own CONSUMER span {@code process {address}}:
 * child of the producer's span carried in the message headers (and linked to it for a published
 * message), current through {@code Context.current()} / {@code Span.current()} in the handler
 * <em>and after every async hop the handler makes</em> (a worker {@code executeBlocking}, the pg
 * client, a timer, a further event-bus request), for any number of concurrent messages.
 *
 * <p>How: each message is processed on a fresh duplicate of the event loop's context (never a
 * duplicate of another message's, whose locals it would copy), and the span's OTel context is
 * attached to that duplicate, where Vert.x's context storage keeps it for every callback of the
 * message's work. The handler returns a future that marks the end of processing (as Vert.x 5.2's
 * {@code MessageConsumer#processor} does): only then does the span end and the context detach, so a
 * fire-and-forget or published message's async work keeps its span (vert.x #6021). The future's
 * value is the reply of a request ({@link Reply} to set status and headers); its failure fails the
 * message with the {@link ReplyException}'s code, or 500.
 *
 * <pre>{@code
 * TracedConsumer.register(vertx, openTelemetry, "shop.pricing", msg ->
 *     vertx.executeBlocking(() -> price(msg.body()))            // Span.current() is "process shop.pricing"
 *         .compose(p -> pool.preparedQuery(SQL).execute(...))   // and here, and in the pg client's span parent
 *         .map(rows -> new JsonObject().put("price", ...)));
 * }</pre>
 */
public final class TracedConsumer {
  public static final String INSTRUMENTATION_NAME = "dev.tracegate.bus";

  /**
   * A reply with its HTTP status and headers for the gateway ({@code x-status}, {@code
   * x-header-*}).
   */
  public record Reply(Object body, int status, MultiMap headers) {
    public static Reply of(Object body, int status) {
      return new Reply(body, status, MultiMap.caseInsensitiveMultiMap());
    }

    public Reply header(String name, String value) {
      headers.add(name, value);
      return this;
    }
  }

  private final String address;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final Function<Message<Object>, Future<?>> handler;

  private TracedConsumer(
      String address, OpenTelemetry otel, Function<Message<Object>, Future<?>> handler) {
    this.address = address;
    this.tracer = otel.getTracer(INSTRUMENTATION_NAME);
    this.propagator = otel.getPropagators().getTextMapPropagator();
    this.handler = handler;
  }

  /**
   * Registers {@code handler} at {@code address}; call from the verticle (or context) that should
   * run it.
   */
  public static MessageConsumer<Object> register(
      Vertx vertx,
      OpenTelemetry otel,
      String address,
      Function<Message<Object>, Future<?>> handler) {
    TracedConsumer consumer = new TracedConsumer(address, otel, handler);
    MessageConsumer<Object> registration = vertx.eventBus().consumer(address);
    registration.handler(
        message ->
            ContextInternal.current().unwrap().duplicate().dispatch(message, consumer::process));
    return registration;
  }

  private void process(Message<Object> message) {
    Context parent = propagator.extract(Context.root(), message.headers(), MultiMapGetter.INSTANCE);
    boolean published = !message.isSend();
    SpanBuilder b =
        tracer
            .spanBuilder("process " + address)
            .setParent(parent)
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(Attr.MESSAGING_SYSTEM, BusCall.SYSTEM)
            .setAttribute(Attr.MESSAGING_DESTINATION, address)
            .setAttribute(Attr.MESSAGING_OPERATION_TYPE, "process")
            .setAttribute(Attr.MESSAGING_OPERATION_NAME, "process");
    SpanContext producer = Span.fromContext(parent).getSpanContext();
    if (published && producer.isValid()) {
      b.addLink(producer);
    }
    Span span = b.startSpan();
    Scope scope =
        parent.with(span).makeCurrent(); // attached to this message's own duplicated context
    Future<?> done;
    try {
      done = handler.apply(message);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    (done == null ? Future.succeededFuture() : done)
        .onComplete(
            ar -> {
              try {
                if (ar.succeeded()) {
                  reply(message, ar.result());
                } else {
                  failed(message, span, ar.cause());
                }
              } finally {
                span.end();
                scope.close();
              }
            });
  }

  private static void reply(Message<Object> message, Object result) {
    if (message.replyAddress() == null) {
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setTracingPolicy(TracingPolicy.IGNORE);
    Object body = result;
    if (result instanceof Reply r) {
      options.addHeader(BusTarget.STATUS_HEADER, Integer.toString(r.status()));
      r.headers()
          .forEach(h -> options.addHeader(BusTarget.HEADER_PREFIX + h.getKey(), h.getValue()));
      body = r.body();
    }
    message.reply(body, options);
  }

  private static void failed(Message<Object> message, Span span, Throwable cause) {
    int code = cause instanceof ReplyException e ? e.failureCode() : 500;
    String text =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    Spans.fail(
        span,
        cause instanceof ReplyException ? Integer.toString(code) : cause.getClass().getName(),
        text,
        cause);
    if (message.replyAddress() != null) {
      // message.fail(...) is a reply with the default tracing policy: Vert.x's tracer would add a
      // "send" CLIENT span of its own under this CONSUMER span, which a successful reply never has
      message.reply(
          new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, text),
          new DeliveryOptions().setTracingPolicy(TracingPolicy.IGNORE));
    }
  }
}
