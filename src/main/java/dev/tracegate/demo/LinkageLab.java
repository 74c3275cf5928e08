package dev.tracegate.demo;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Collection;
import java.util.function.BiConsumer;

/**
 * The linkage lab: each classic tracing mistake committed on purpose next to its correct twin,
 * written the way a user's service code would be, with the plain OpenTelemetry API and Vert.x (the
 * service's own spans come from stock vertx-opentelemetry). {@code GET /{mistake}/broken} commits
 * it, {@code GET /{mistake}/fixed} does the same work right; the gateway's {@code /linkage} report
 * then shows the kind each one produces. Behind the demo's {@code /lab/}.
 */
final class LinkageLab {
  /** The mistakes, with the violation kind each produces and what it looks like in Jaeger. */
  enum Mistake {
    ROOT_CONTEXT(
        "root-context",
        "split_request",
        "the call back through the gateway is made under Context.root(): Jaeger shows two traces, the second "
            + "starting at 'call gateway'; both carry the same X-Request-Id"),
    EARLY_END(
        "early-end",
        "outlived_parent",
        "'load profile' is ended right after it schedules a timer: its child 'profile timer' sticks out past "
            + "its end in Jaeger's timeline"),
    NO_STATUS(
        "no-status",
        "error_unset",
        "'charge card' records the exception but never sets status ERROR: Jaeger shows a log entry on a span "
            + "that is not red"),
    NEVER_ENDED(
        "never-ended",
        "unended",
        "'write audit record' is ended on the success path only and the lookup fails: the span never reaches "
            + "Jaeger at all"),
    FOREIGN_PARENT(
        "foreign-parent",
        "orphan",
        "'library step' comes from a second SDK that exports nowhere: its child 'library query' hangs from a "
            + "parent Jaeger never sees (\"invalid parent span\")"),
    BACKDATED(
        "backdated",
        "clock",
        "'queued' is back-dated to when the request arrived, before its parent 'handle' started: Jaeger draws "
            + "the child before its parent");

    final String path;
    final String kind;
    final String jaeger;

    Mistake(String path, String kind, String jaeger) {
      this.path = path;
      this.kind = kind;
      this.jaeger = jaeger;
    }
  }

  /**
   * A library that built its own SDK, exporting somewhere else (here: nowhere), instead of using
   * the application's. (An SDK with no processor at all would hand out its parent's span instead.)
   */
  private static final Tracer FORGOTTEN_SDK =
      SdkTracerProvider.builder()
          .addSpanProcessor(
              SimpleSpanProcessor.create(
                  new SpanExporter() {
                    @Override
                    public CompletableResultCode export(Collection<SpanData> spans) {
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode flush() {
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode shutdown() {
                      return CompletableResultCode.ofSuccess();
                    }
                  }))
          .build()
          .get("a-library");

  private final Vertx vertx;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final HttpClient client;
  private final String gatewayUrl;

  private LinkageLab(Vertx vertx, Tracer tracer, TextMapPropagator propagator, String gatewayUrl) {
    this.vertx = vertx;
    this.tracer = tracer;
    this.propagator = propagator;
    this.gatewayUrl = gatewayUrl;
    // the lab injects its own trace headers; vert.x's would be a second traceparent
    this.client =
        vertx.createHttpClient(new HttpClientOptions().setTracingPolicy(TracingPolicy.IGNORE));
  }

  /**
   * Mounts the lab on {@code router}; {@code gatewayUrl} is where the root-context mistake calls
   * back.
   */
  static void mount(
      Router router, Vertx vertx, Tracer tracer, TextMapPropagator propagator, String gatewayUrl) {
    LinkageLab lab = new LinkageLab(vertx, tracer, propagator, gatewayUrl);
    router.get("/").handler(lab::index);
    router.get("/echo").handler(ctx -> lab.answer(ctx, new JsonObject().put("echo", true)));
    lab.twin(router, Mistake.ROOT_CONTEXT, lab::rootContext);
    lab.twin(router, Mistake.EARLY_END, lab::earlyEnd);
    lab.twin(router, Mistake.NO_STATUS, lab::noStatus);
    lab.twin(router, Mistake.NEVER_ENDED, lab::neverEnded);
    lab.twin(router, Mistake.FOREIGN_PARENT, lab::foreignParent);
    lab.twin(router, Mistake.BACKDATED, lab::backdated);
  }

  private void twin(Router router, Mistake mistake, BiConsumer<RoutingContext, Boolean> handler) {
    router.get("/" + mistake.path + "/broken").handler(ctx -> handler.accept(ctx, true));
    router.get("/" + mistake.path + "/fixed").handler(ctx -> handler.accept(ctx, false));
  }

  private void index(RoutingContext ctx) {
    JsonArray list = new JsonArray();
    for (Mistake m : Mistake.values()) {
      list.add(
          new JsonObject()
              .put("broken", "/lab/" + m.path + "/broken")
              .put("fixed", "/lab/" + m.path + "/fixed")
              .put("linkage", m.kind)
              .put("inJaeger", m.jaeger));
    }
    answer(ctx, new JsonObject().put("mistakes", list).put("report", "the admin port's /linkage"));
  }

  /**
   * Calls back through the gateway; broken: under {@code Context.root()} instead of the request's
   * context.
   */
  private void rootContext(RoutingContext ctx, boolean broken) {
    Context parent = broken ? Context.root() : Context.current();
    Span call =
        tracer
            .spanBuilder("call gateway")
            .setParent(parent)
            .setSpanKind(SpanKind.CLIENT)
            .startSpan();
    RequestOptions options =
        new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(gatewayUrl + "/lab/echo");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    propagator.inject(parent.with(call), headers, MultiMap::set);
    String requestId = ctx.request().getHeader("X-Request-Id");
    if (requestId != null) {
      headers.set("X-Request-Id", requestId);
    }
    options.setHeaders(headers);
    client
        .request(options)
        .compose(req -> req.send())
        .compose(HttpClientResponse::body)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                call.recordException(ar.cause());
                call.setStatus(StatusCode.ERROR, ar.cause().getMessage());
              }
              call.end();
              answer(ctx, broken, Mistake.ROOT_CONTEXT);
            });
  }

  /**
   * A span around a timer; broken: ended as soon as the timer is set, before the work it covers.
   */
  private void earlyEnd(RoutingContext ctx, boolean broken) {
    Span load = tracer.spanBuilder("load profile").startSpan();
    Span wait =
        tracer.spanBuilder("profile timer").setParent(Context.current().with(load)).startSpan();
    vertx.setTimer(
        20,
        id -> {
          wait.end();
          if (!broken) {
            load.end();
          }
          answer(ctx, broken, Mistake.EARLY_END);
        });
    if (broken) {
      load.end();
    }
  }

  /** A caught failure; broken: recorded as an exception, status left UNSET. */
  private void noStatus(RoutingContext ctx, boolean broken) {
    Span charge = tracer.spanBuilder("charge card").startSpan();
    try {
      throw new IllegalStateException("card declined");
    } catch (IllegalStateException e) {
      charge.recordException(e);
      if (!broken) {
        charge.setStatus(StatusCode.ERROR, e.getMessage());
      }
    } finally {
      charge.end();
    }
    answer(ctx, broken, Mistake.NO_STATUS);
  }

  /** A lookup that fails; broken: the span is ended on success only. */
  private void neverEnded(RoutingContext ctx, boolean broken) {
    Span audit = tracer.spanBuilder("write audit record").startSpan();
    Future<Void> lookup = vertx.timer(5).compose(v -> Future.failedFuture("no such customer"));
    if (broken) {
      lookup.onSuccess(v -> audit.end());
    } else {
      lookup.onComplete(
          ar -> {
            if (ar.failed()) {
              audit.setStatus(StatusCode.ERROR, ar.cause().getMessage());
            }
            audit.end();
          });
    }
    lookup.onComplete(ar -> answer(ctx, broken, Mistake.NEVER_ENDED));
  }

  /**
   * A library step with a child; broken: the step's span comes from a second SDK that exports
   * nowhere.
   */
  private void foreignParent(RoutingContext ctx, boolean broken) {
    Tracer library = broken ? FORGOTTEN_SDK : tracer;
    Span step = library.spanBuilder("library step").startSpan();
    Span query =
        tracer.spanBuilder("library query").setParent(Context.current().with(step)).startSpan();
    query.end();
    step.end();
    answer(ctx, broken, Mistake.FOREIGN_PARENT);
  }

  /** A child back-dated to the request's arrival; broken: its parent starts later, at "now". */
  private void backdated(RoutingContext ctx, boolean broken) {
    Instant arrived = Instant.now();
    vertx.setTimer(
        5,
        id -> {
          var builder = tracer.spanBuilder("handle");
          if (!broken) {
            builder.setStartTimestamp(arrived);
          }
          Span handle = builder.startSpan();
          tracer
              .spanBuilder("queued")
              .setParent(Context.current().with(handle))
              .setStartTimestamp(arrived)
              .startSpan()
              .end();
          handle.end();
          answer(ctx, broken, Mistake.BACKDATED);
        });
  }

  private void answer(RoutingContext ctx, boolean broken, Mistake mistake) {
    answer(
        ctx,
        new JsonObject()
            .put("mistake", mistake.path)
            .put("variant", broken ? "broken" : "fixed")
            .put("linkage", broken ? mistake.kind : "none")
            .put("inJaeger", broken ? mistake.jaeger : "one clean tree"));
  }

  private void answer(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}
