package dev.tracegate.route;

import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.HeaderCapture;
import dev.tracegate.telemetry.InvalidTraceHeaders;
import dev.tracegate.telemetry.MultiMapGetter;
import dev.tracegate.telemetry.Spans;
import dev.tracegate.util.Deadlines;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The front of every request: admission, matching, the SERVER span, the deadline, the bounded body
 * read, then the route's target. It owns the SERVER span and ends it exactly once, when the
 * response has ended or the connection is gone, whatever happened in between.
 */
public final class RequestHandler implements Handler<HttpServerRequest> {
  public static final CharSequence TRACE_ID_HEADER = HttpHeaders.createOptimized("X-Trace-Id");
  private static final String TRACEPARENT = "traceparent";

  /** The status recorded (not sent) for a request whose client left first, as nginx logs it. */
  public static final int CLIENT_CLOSED = 499;

  private final Vertx vertx;

  /** The listener's scheme: asking each request costs a walk of its connection's pipeline. */
  private final String scheme;

  /** Request deadlines and upstream response timeouts of this event loop. */
  private final Deadlines deadlines;

  private Routing routing;
  private final Admission admission;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final InvalidTraceHeaders invalidHeaders;
  private final BodyBudget bodyBudget;
  private final boolean baggagePropagated;
  private final long requestTimeoutMs;
  private final long maxBodyBytes;
  private final RequestObserver observer;
  private final HeaderTimeout headerTimeout;
  private final HeaderCapture capture;

  /**
   * Every header the propagator reads, and the W3C pair the invalid-header check looks at: a
   * request with none of them (most, at an edge) has no parent to extract.
   */
  private final CharSequence[] contextHeaders;

  public RequestHandler(
      Vertx vertx,
      Routing routing,
      Admission admission,
      Tracer tracer,
      TextMapPropagator propagator,
      InvalidTraceHeaders invalidHeaders,
      boolean baggagePropagated,
      Duration requestTimeout,
      long maxBodyBytes,
      Duration headerTimeout,
      String scheme,
      HeaderCapture capture,
      RequestObserver observer) {
    this.vertx = vertx;
    this.scheme = scheme;
    this.deadlines = new Deadlines(vertx);
    this.routing = routing;
    this.admission = admission;
    this.tracer = tracer;
    this.propagator = propagator;
    this.invalidHeaders = invalidHeaders;
    this.bodyBudget = admission.bodies();
    this.baggagePropagated = baggagePropagated;
    this.requestTimeoutMs = requestTimeout.toMillis();
    this.maxBodyBytes = maxBodyBytes;
    this.observer = observer;
    this.headerTimeout = new HeaderTimeout(vertx, headerTimeout.toMillis());
    this.capture = capture;
    Set<String> names = new LinkedHashSet<>(propagator.fields());
    names.add(TRACEPARENT);
    names.add("tracestate");
    this.contextHeaders =
        names.stream().map(HttpHeaders::createOptimized).toArray(CharSequence[]::new);
  }

  /**
   * Serves new requests from {@code next}; those in flight finish on the generation they began
   * with, which closes its pools after the last of them. Call on this handler's event loop.
   */
  public void swap(Routing next) {
    Routing old = routing;
    routing = next;
    old.retire();
  }

  /** Install on the server's connection handler. */
  public HeaderTimeout headerTimeout() {
    return headerTimeout;
  }

  @Override
  public void handle(HttpServerRequest req) {
    long startNanos = System.nanoTime();
    headerTimeout.requestArrived(req.connection());
    String method = req.method().name();
    String unsound = Framing.problem(req);
    if (unsound != null) {
      refuseUnsound(req, startNanos, method, unsound);
      return;
    }
    ErrorKey refused = admission.admit();
    Routing generation = routing;
    RouteTable.Match match =
        generation
            .table()
            .match(method, req.path()); // also for refused ones: spans and metrics name the route

    Completion completion =
        begin(req, startNanos, extractParent(req.headers()), method, match, generation);
    Exchange ex = completion.ex;

    if (refused != null) {
      completion.fail(
          new GatewayError(
              refused,
              refused == ErrorKey.OVERLOADED
                  ? "too many requests in progress"
                  : "the gateway is shutting down"));
    } else if (match.route == null) {
      completion.fail(miss(match, method));
    } else {
      long wait = match.route.admit();
      if (wait > 0) {
        // whole seconds, rounded up, as Retry-After takes them
        req.response()
            .putHeader(
                HttpHeaders.RETRY_AFTER,
                Long.toString(Math.max(1, (wait + 999_999_999) / 1_000_000_000)));
        completion.fail(
            new GatewayError(
                ErrorKey.RATE_LIMITED,
                "route '" + match.route.name() + "' is over its rate limit",
                "rate_limited",
                null));
      } else {
        serve(ex, completion);
      }
    }
  }

  /**
   * Requests the HTTP decoder rejected (oversized headers or line, malformed syntax): answered with
   * the contract's JSON, a trace id and a SERVER span, then the connection is closed, since what
   * follows on it cannot be trusted.
   */
  public void handleInvalid(HttpServerRequest req) {
    if (headerTimeout.cutOff(req.connection())) {
      recordCutOff(req);
      return;
    }
    Throwable cause = req.decoderResult().cause();
    ErrorKey key =
        cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
            ? ErrorKey.HEADERS_TOO_LARGE
            : cause instanceof io.netty.handler.codec.http.TooLongHttpLineException
                ? ErrorKey.URI_TOO_LONG
                : ErrorKey.BAD_REQUEST;
    admission.admit();
    req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    String method = req.method() == null ? "HTTP" : req.method().name();
    Completion completion =
        begin(req, System.nanoTime(), Context.root(), method, RouteTable.NO_MATCH, routing);
    completion.fail(
        new GatewayError(
            key,
            key == ErrorKey.BAD_REQUEST
                ? "malformed HTTP request"
                : key == ErrorKey.URI_TOO_LONG
                    ? "request line too long"
                    : "request headers too large"));
  }

  /**
   * A head that was still arriving when {@code server.headerTimeout} closed its connection: nothing
   * can be sent, so it is recorded as what happened (408 {@code header_timeout}, as nginx logs it),
   * with its SERVER span, not as an answer.
   */
  private void recordCutOff(HttpServerRequest req) {
    admission.admit();
    String method = req.method() == null ? "HTTP" : req.method().name();
    Completion completion =
        begin(req, System.nanoTime(), Context.root(), method, RouteTable.NO_MATCH, routing);
    completion.error =
        new GatewayError(
            ErrorKey.HEADER_TIMEOUT,
            "request head not complete within server.headerTimeout; connection closed, nothing sent",
            "header_timeout",
            null);
    completion.finish();
  }

  /** A request whose framing or target cannot be trusted: 400, then the connection is closed. */
  private void refuseUnsound(HttpServerRequest req, long startNanos, String method, String why) {
    admission.admit();
    req.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    // what follows on this connection cannot be trusted either: close it once the answer is out
    req.response().bodyEndHandler(v -> req.connection().close());
    Completion completion =
        begin(req, startNanos, Context.root(), method, RouteTable.NO_MATCH, routing);
    completion.fail(new GatewayError(ErrorKey.BAD_REQUEST, "refused: " + why, "bad_framing", null));
  }

  /** Starts the SERVER span and the exchange, and hooks the span's end to the response's. */
  private Completion begin(
      HttpServerRequest req,
      long startNanos,
      Context parent,
      String method,
      RouteTable.Match match,
      Routing generation) {
    String requestId = RequestIds.accept(req.headers().get(RequestIds.HEADER));
    String known = Framing.spanMethod(method);
    Span span = startServerSpan(req, parent, known, match.route);
    Exchange ex =
        new Exchange(
            vertx,
            req,
            match.route,
            match.params,
            span,
            parent.with(span),
            startNanos + requestTimeoutMs * 1_000_000,
            new Outcome(requestId),
            deadlines,
            scheme);
    HttpServerResponse resp = req.response();
    resp.putHeader(TRACE_ID_HEADER, span.getSpanContext().getTraceId());
    resp.putHeader(RequestIds.HEADER, requestId);
    if (admission.draining()) {
      resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE); // no next request on it
    }
    Completion completion = new Completion(ex, method, known, startNanos, generation);
    // Vert.x calls the end handler also when the connection closes first; ended() tells them apart
    resp.endHandler(v -> completion.finish());
    resp.closeHandler(v -> completion.finish());
    return completion;
  }

  private void serve(Exchange ex, Completion completion) {
    completion.deadline =
        deadlines.after(
            requestTimeoutMs,
            () ->
                completion.fail(
                    new GatewayError(
                        ErrorKey.DEADLINE_EXCEEDED,
                        "request did not complete within " + requestTimeoutMs + "ms",
                        "timeout",
                        null)));
    RouteTarget target = ex.route().target();
    HttpServerRequest req = ex.request();
    long declared = target.needsBody() ? BodyReader.declaredLength(req) : -1;
    if (declared > 0 && declared <= maxBodyBytes && target.streamsBody(req)) {
      // streamed to the upstream with back-pressure; paused until the upstream request takes it
      req.pause();
      ex.streamBody(declared);
      target.serve(ex).onFailure(completion::fail);
    } else if (target.needsBody() && BodyReader.hasBody(req)) {
      BodyReader.read(req, maxBodyBytes, bodyBudget, ex)
          .compose(
              body -> {
                ex.body(body);
                return target.serve(ex);
              })
          .onFailure(completion::fail);
    } else {
      // consume the (empty) request so the connection keeps reading and notices a client hang-up
      req.end();
      target.serve(ex).onFailure(completion::fail);
    }
  }

  /**
   * After refusing a body, discard what the client is still sending for a moment so it can read the
   * 413 (closing at once would reset the connection under it), then close: the rest of the body is
   * never parsed as another request.
   */
  private void lingerThenClose(HttpServerRequest req, Future<Void> written) {
    req.handler(chunk -> {});
    req.resume();
    written.onComplete(v -> vertx.setTimer(LINGER_MS, id -> req.connection().close()));
  }

  static final long LINGER_MS = 2000;

  private static GatewayError miss(RouteTable.Match match, String method) {
    switch (match.miss) {
      case METHOD_NOT_ALLOWED:
        return new GatewayError(
            ErrorKey.METHOD_NOT_ALLOWED,
            method
                + " is not allowed here (allowed: "
                + String.join(", ", new java.util.TreeSet<>(match.allowed))
                + ")");
      case BAD_REQUEST:
        return new GatewayError(
            ErrorKey.BAD_REQUEST, "path contains dot segments or encoded separators");
      default:
        return new GatewayError(ErrorKey.NOT_FOUND, "no route for this path");
    }
  }

  /** The caller's trace (and baggage); two {@code traceparent} headers mean none, as W3C says. */
  private Context extractParent(MultiMap headers) {
    if (!carriesContext(headers)) {
      return Context.root(); // nothing to extract, and nothing invalid to count
    }
    if (headers.getAll(TRACEPARENT).size() > 1) {
      invalidHeaders.duplicateTraceparent();
      return Context.root();
    }
    Context extracted = propagator.extract(Context.root(), headers, MultiMapGetter.INSTANCE);
    invalidHeaders.check(headers, extracted, baggagePropagated);
    return extracted;
  }

  private boolean carriesContext(MultiMap headers) {
    for (CharSequence name : contextHeaders) {
      if (headers.contains(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The SERVER span, without its attributes: the SDK gives a span's first attribute a map sized for
   * the span's limit, and a request in flight holds that map, its arrays and values for as long as
   * it waits (at 5,000 connections every young collection copied them). So they are set by {@link
   * #describe} as the span ends, from the exchange that holds them anyway, and only when it
   * records. The samplers tracegate offers read none of them, except a route's own sampling ratio,
   * which reads the route name from the builder. The captured request headers are taken now, before
   * the request's headers can change.
   */
  private Span startServerSpan(HttpServerRequest req, Context parent, String known, Route route) {
    SpanBuilder b =
        tracer
            .spanBuilder(route == null ? Framing.spanNameMethod(known) : route.spanName(known))
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER);
    if (routeOnBuilder(route)) {
      b.setAttribute(Attr.ROUTE, route.name());
    }
    Span span = b.startSpan();
    if (span.isRecording()) {
      capture.request(span, req.headers());
    }
    return span;
  }

  /** The SERVER span's request attributes (see {@link #startServerSpan}). */
  private void describe(Span span, Exchange ex, String method, String known) {
    HttpServerRequest req = ex.request();
    span.setAttribute(Attr.HTTP_REQUEST_METHOD, known)
        .setAttribute(Attr.URL_PATH, req.path())
        .setAttribute(Attr.URL_SCHEME, ex.scheme())
        .setAttribute(Attr.REQUEST_ID, ex.outcome().requestId());
    Route route = ex.route();
    if (route != null) {
      span.setAttribute(Attr.HTTP_ROUTE, route.path());
      if (!routeOnBuilder(route)) {
        span.setAttribute(Attr.ROUTE, route.name());
      }
    }
    if (!known.equals(method)) {
      span.setAttribute(
          Attr.HTTP_REQUEST_METHOD_ORIGINAL,
          method.length() <= 32 ? method : method.substring(0, 32));
    }
    SocketAddress local = req.localAddress();
    if (local != null) {
      span.setAttribute(Attr.SERVER_PORT, (long) local.port());
    }
    if (ex.clientAddress() != null) {
      span.setAttribute(Attr.CLIENT_ADDRESS, ex.clientAddress());
    }
  }

  /** Whether the route's name goes on the span builder: its own sampling ratio reads it there. */
  private static boolean routeOnBuilder(Route route) {
    return route != null && route.config().sampling().isPresent();
  }

  /** Ends the request once: error answer if needed, span status, metrics, admission. */
  private final class Completion {
    final Exchange ex;
    private final String method;
    private final String known; // the method as spans name it (Framing.spanMethod)
    private final long startNanos;
    private final Routing generation;
    private GatewayError error;
    private boolean done;
    Deadlines.Handle deadline;

    Completion(Exchange ex, String method, String known, long startNanos, Routing generation) {
      this.ex = ex;
      this.method = method;
      this.known = known;
      this.startNanos = startNanos;
      this.generation = generation;
      generation.enter();
    }

    void fail(Throwable cause) {
      if (done) {
        return;
      }
      GatewayError err = GatewayError.of(cause, ErrorKey.UPSTREAM_UNAVAILABLE);
      if (error == null) {
        error = err;
      }
      ex.abandon(err);
      HttpServerResponse resp = ex.request().response();
      // answering before the body was read (too large, or the upstream failed first): close after
      boolean unreadBody =
          BodyReader.hasBody(ex.request()) && !ex.request().isEnded() && !resp.headWritten();
      if (unreadBody) {
        resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
      Future<Void> written =
          ErrorResponses.write(resp, err, ex.span().getSpanContext().getTraceId());
      if (unreadBody) {
        lingerThenClose(ex.request(), written);
      }
    }

    void finish() {
      if (done) {
        return;
      }
      done = true;
      if (deadline != null) {
        deadline.cancel();
      }
      HttpServerResponse resp = ex.request().response();
      Span span = ex.span();
      if (span.isRecording()) {
        describe(span, ex, method, known);
      }
      boolean aborted = !resp.ended();
      boolean cutOff = error != null && error.key() == ErrorKey.HEADER_TIMEOUT;
      if (cutOff) {
        span.setAttribute(Attr.ERROR_KEY, error.key().key());
        span.setAttribute(Attr.ERROR_TYPE, error.errorType());
        span.addEvent(error.getMessage());
      } else if (aborted) {
        ex.abandon(
            new GatewayError(
                ErrorKey.BAD_REQUEST, "client closed the connection", "client_closed", null));
        span.setAttribute(Attr.ERROR_TYPE, "client_closed");
        span.addEvent("client closed the connection before the response ended");
      } else {
        int status = resp.getStatusCode();
        if (span.isRecording()) { // a boxed status per request otherwise, for nothing
          span.setAttribute(Attr.HTTP_RESPONSE_STATUS_CODE, (long) status);
        }
        capture.response(span, resp.headers());
        if (status >= 500) {
          if (error != null) {
            span.setAttribute(Attr.ERROR_KEY, error.key().key());
            Spans.fail(span, error.errorType(), error.getMessage(), error.getCause());
          } else {
            span.setStatus(StatusCode.ERROR, "upstream answered " + status);
            span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
          }
        } else if (error != null) {
          // the client's mistake, not the gateway's: no ERROR status, but what went wrong is named
          span.setAttribute(Attr.ERROR_KEY, error.key().key());
          if (error.errorType() != null) {
            span.setAttribute(Attr.ERROR_TYPE, error.errorType());
          }
        }
      }
      span.end();
      admission.release();
      generation.leave();
      bodyBudget.release(ex.bufferedBytes());
      headerTimeout.requestDone(ex.request().connection());
      ex.outcome()
          .finish(
              cutOff
                  ? ErrorKey.HEADER_TIMEOUT.status()
                  : aborted ? CLIENT_CLOSED : resp.getStatusCode(),
              error == null ? null : error.key(),
              System.nanoTime() - startNanos,
              ex.request().bytesRead(),
              resp.bytesWritten());
      observer.completed(ex, ex.outcome());
    }
  }
}
