package dev.tracegate.proxy;

import dev.tracegate.logging.RequestLogs;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.Framing;
import dev.tracegate.route.GatewayError;
import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.Spans;
import dev.tracegate.util.Deadlines;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logical call to an upstream: up to {@code 1 + retries} attempts, each with its own CLIENT
 * span (also when no socket was ever reached), its own trace headers, a connect timeout and a timer
 * until the response head arrives. Completes with the first answer's head; the caller relays the
 * body and ends the reply's span.
 */
public final class UpstreamCall {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamCall.class);

  /** Methods whose empty body is still sent as {@code Content-Length: 0}. */
  private static final Set<HttpMethod> BODY_EXPECTED =
      Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.OPTIONS,
          HttpMethod.PUT,
          HttpMethod.DELETE,
          HttpMethod.TRACE);

  /**
   * Writes an attempt's headers, all but its trace headers, into the request about to go out: only
   * once a pooled connection is there, so a request queued for one under load holds no copy of them
   * (at thousands of connections most requests in flight are queued, and what they hold is what
   * every young collection copies).
   */
  @FunctionalInterface
  public interface Headers {
    void writeTo(MultiMap out);
  }

  /** What to send: everything but the endpoint, which each attempt picks anew. */
  public record Plan(
      HttpMethod method,
      String uri,
      Headers headers,
      Buffer body,
      long timeoutMs,
      int retries,
      ReadStream<Buffer> bodyStream,
      long bodyLength) {
    /** A plan whose body is in memory (and so can be resent). */
    public Plan(
        HttpMethod method, String uri, Headers headers, Buffer body, long timeoutMs, int retries) {
      this(method, uri, headers, body, timeoutMs, retries, null, -1);
    }
  }

  private final Upstream upstream;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final Exchange exchange;
  private final Context parent;
  private final Plan plan;
  private final String spanMethod; // the CLIENT spans' name and http.request.method
  private final Promise<UpstreamReply> result = Promise.promise();

  private UpstreamCall(
      Upstream upstream,
      Tracer tracer,
      TextMapPropagator propagator,
      Exchange exchange,
      Context parent,
      Plan plan) {
    this.upstream = upstream;
    this.tracer = tracer;
    this.propagator = propagator;
    this.exchange = exchange;
    this.parent = parent;
    this.plan = plan;
    this.spanMethod = Framing.spanMethod(plan.method().name());
  }

  static boolean idempotent(HttpMethod method) {
    return IDEMPOTENT.contains(method);
  }

  public static Future<UpstreamReply> start(
      Upstream upstream,
      Tracer tracer,
      TextMapPropagator propagator,
      Exchange exchange,
      Context parent,
      Plan plan) {
    UpstreamCall call = new UpstreamCall(upstream, tracer, propagator, exchange, parent, plan);
    call.attempt(0);
    return call.result.future();
  }

  private void attempt(int n) {
    CircuitBreaker breaker = upstream.breaker();
    CircuitBreaker.Permit permit =
        breaker == null ? CircuitBreaker.Permit.ATTEMPT : breaker.acquire(System.nanoTime());
    if (permit == CircuitBreaker.Permit.REFUSED) {
      // no connection is tried, so no CLIENT span: the SERVER span says circuit_open
      upstream.metrics().upstreamAttempt(upstream.name(), "circuit_open");
      exchange.span().addEvent("circuit open: upstream '" + upstream.name() + "' not tried");
      result.fail(
          new GatewayError(
              ErrorKey.UPSTREAM_UNAVAILABLE,
              503,
              "upstream '" + upstream.name() + "' is failing and its circuit is open; not tried",
              "circuit_open",
              null));
      return;
    }
    Endpoint endpoint = upstream.selector().next();
    Span span = startSpan();
    upstream
        .healthNews()
        .forEach(span::addEvent); // what the health checks changed since the last attempt
    if (permit == CircuitBreaker.Permit.PROBE) {
      span.addEvent("circuit half-open: this attempt is the probe");
    }
    RequestOptions options =
        new RequestOptions()
            .setMethod(plan.method())
            .setHost(endpoint.host)
            .setPort(endpoint.port)
            .setSsl(endpoint.ssl)
            // no connect or idle timeout here: either costs a Vert.x timer per request (the pool
            // arms one for each request queued for a connection, which under load is most of
            // them). TCP connect is bounded by the client's connectTimeout; the wait for a pooled
            // connection and then for the response head run on deadline lanes (Attempt.run)
            .setURI(endpoint.basePath + plan.uri());
    exchange.outcome().upstreamAttempt(upstream.name(), endpoint.address());
    new Attempt(n, endpoint, span, permit).run(options);
  }

  /**
   * The CLIENT span, without its attributes: {@link Attempt#describe} sets them once the attempt
   * has its answer or has failed, so that an attempt waiting for a connection or for the upstream
   * does not hold them (see RequestHandler's SERVER span), and only when the span records.
   */
  private Span startSpan() {
    return tracer
        .spanBuilder(Framing.spanNameMethod(spanMethod))
        .setParent(parent)
        .setSpanKind(SpanKind.CLIENT)
        .startSpan();
  }

  /** One try: owns its span until it fails (ended here) or its reply is handed over. */
  private final class Attempt implements ConnectionQueue.Waiter {
    private final int n;
    private final Endpoint endpoint;
    private final Span span;
    private final long startNanos = System.nanoTime();
    private HttpClientRequest request;
    private GatewayError abortedBy;
    private Deadlines.Handle timer;
    private boolean queued; // waiting for a pooled connection
    private long idleDueNanos = Long.MAX_VALUE; // when the idleTimeout ends the wait for the head
    private boolean settled;
    private boolean holdsSlot; // of its endpoint in the upstream's ConnectionQueue
    private io.vertx.core.Context vertxContext; // the request's, where it goes on once a slot frees
    private RequestOptions options; // while it waits in that queue for a slot, else null

    private final CircuitBreaker.Permit permit;

    Attempt(int n, Endpoint endpoint, Span span, CircuitBreaker.Permit permit) {
      this.n = n;
      this.endpoint = endpoint;
      this.span = span;
      this.permit = permit;
      upstream.retries().started(n > 0);
    }

    /**
     * Tells the circuit and the outlier state how this attempt went; each change is an event on its
     * span.
     */
    private void judge(boolean failed) {
      long now = System.nanoTime();
      CircuitBreaker breaker = upstream.breaker();
      if (breaker != null) {
        CircuitBreaker.State moved = breaker.record(permit, failed, now);
        if (moved != null) {
          span.addEvent(
              "circuit "
                  + moved.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                  + ": upstream '"
                  + upstream.name()
                  + "'");
        }
      }
      OutlierDetector outliers = upstream.outliers();
      if (outliers != null) {
        OutlierDetector.Change change = outliers.record(endpoint.index, failed, now);
        if (change != null) {
          String what =
              change.ejected()
                  ? "endpoint "
                      + endpoint.address()
                      + " ejected for "
                      + change.forNanos() / 1_000_000
                      + " ms (ejection "
                      + change.times()
                      + ", after "
                      + upstream.config().outlierDetection().orElseThrow().consecutiveFailures()
                      + " failures in a row)"
                  : "endpoint " + endpoint.address() + " restored";
          span.addEvent(what);
          upstream.metrics().endpointChange(upstream.name(), endpoint.address(), change.ejected());
          LOG.warn("upstream '" + upstream.name() + "': " + what);
        }
      }
    }

    void run(RequestOptions options) {
      exchange.onCancel(() -> abort(exchange.abandonedBy()));
      if (abortedBy != null) {
        failed(abortedBy);
        return;
      }
      // under load a request may queue behind busy pooled connections: bounded by the TCP connect
      // and the call's timeout together, and ended as a connect timeout (nothing was sent, so it
      // may be retried)
      timer =
          exchange
              .deadlines()
              .after(
                  upstream.config().connectTimeout().toMillis() + plan.timeoutMs(),
                  () -> failed(UpstreamFailures.noConnection(upstream.name())));
      queued = true;
      ConnectionQueue connections = upstream.queue();
      if (connections.full(endpoint.index)) {
        failed(UpstreamFailures.queueFull(upstream.name(), connections.maxWaiting()));
        return;
      }
      holdsSlot = connections.enter(endpoint.index, this);
      if (holdsSlot) {
        send(options);
      } else {
        this.options = options;
        vertxContext = io.vertx.core.Vertx.currentContext();
      }
    }

    @Override
    public boolean gaveUp() {
      return settled;
    }

    @Override
    public void go() {
      holdsSlot = true;
      RequestOptions o = options;
      options = null;
      if (vertxContext == null) {
        send(o);
      } else {
        vertxContext.runOnContext(v -> send(o));
      }
    }

    private void freeSlot() {
      if (holdsSlot) {
        holdsSlot = false;
        upstream.queue().leave(endpoint.index);
      }
    }

    private void send(RequestOptions options) {
      if (settled) { // gave up between getting its slot and its turn on the event loop
        return;
      }
      upstream
          .client()
          .request(options)
          .onComplete(
              ar -> {
                queued = false;
                if (settled) { // its wait timed out, or the exchange was abandoned, while queued
                  if (ar.succeeded()) { // never sent: the connection goes back to the pool
                    HttpClientRequest unsent = ar.result();
                    unsent.exceptionHandler(e -> {}); // its reset is no error
                    unsent.reset(0);
                  }
                  return;
                }
                cancelTimer();
                if (ar.failed()) {
                  failed(ar.cause());
                  return;
                }
                request = ar.result();
                MultiMap headers = request.headers();
                plan.headers().writeTo(headers);
                propagator.inject(parent.with(span), headers, MultiMap::set);
                // until the response head: the route's or upstream's timeout, or the upstream's
                // idleTimeout when that is shorter (the request deadline has a timer of its own)
                long timeout = plan.timeoutMs();
                long idle = upstream.config().idleTimeout().toMillis();
                if (idle < timeout) {
                  idleDueNanos = System.nanoTime() + idle * 1_000_000;
                }
                timer =
                    exchange
                        .deadlines()
                        .after(
                            Math.min(timeout, idle),
                            () ->
                                abort(
                                    idle < timeout
                                        ? UpstreamFailures.wentIdle(upstream.name())
                                        : UpstreamFailures.responseTimeout(
                                            upstream.name(), timeout)));
                Buffer body = plan.body();
                Future<HttpClientResponse> sent;
                if (plan.bodyStream() != null) {
                  request.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(plan.bodyLength()));
                  sent = request.send(plan.bodyStream());
                } else if (body.length() == 0 && !BODY_EXPECTED.contains(plan.method())) {
                  sent = request.send();
                } else if (body.length() > BufferSlices.SLICE) {
                  request.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
                  sent = request.send(new BufferSlices(body));
                } else {
                  sent = request.send(body);
                }
                sent.onComplete(
                    r -> {
                      if (r.succeeded()) {
                        answered(r.result());
                      } else {
                        failed(r.cause());
                      }
                    });
              });
    }

    void abort(GatewayError why) {
      if (settled || abortedBy != null) {
        return;
      }
      abortedBy = why;
      if (request != null) {
        request.reset(0, why);
      } else if (queued) {
        failed(why); // its span ends now, not whenever a connection comes (which then goes back)
      }
    }

    private void answered(HttpClientResponse response) {
      if (settled) {
        return;
      }
      if (response.statusCode() < 200) {
        // 101 Switching Protocols (or any other 1xx that reached here): no route is a tunnel, and
        // passing it on would hand the client a raw connection to the upstream
        response.exceptionHandler(e -> {}); // the reset is ours, not an error to report
        response.request().reset(0);
        failed(
            new GatewayError(
                ErrorKey.UPSTREAM_UNAVAILABLE,
                "upstream '"
                    + upstream.name()
                    + "' answered "
                    + response.statusCode()
                    + ", which no route of this gateway passes on",
                Integer.toString(response.statusCode()),
                null));
        return;
      }
      settled = true;
      freeSlot();
      upstream.retries().ended(n > 0);
      cancelTimer();
      int status = response.statusCode();
      judge(status >= 500);
      upstream.metrics().upstreamAttempt(upstream.name(), GatewayMetrics.statusClass(status));
      if (span.isRecording()) { // a boxed status per request otherwise, for nothing
        describe();
        span.setAttribute(Attr.HTTP_RESPONSE_STATUS_CODE, (long) status);
      }
      if (status >= 400) {
        span.setStatus(StatusCode.ERROR, "upstream answered " + status);
        span.setAttribute(Attr.ERROR_TYPE, Integer.toString(status));
      }
      UpstreamReply reply = new UpstreamReply(response, span, exchange.outcome(), startNanos);
      exchange.onCancel(
          () -> {
            if (!reply.ended()) { // only an exchange still under way is torn down
              response.request().reset(0, exchange.abandonedBy());
              reply.end(exchange.abandonedBy());
            }
          });
      result.complete(reply);
    }

    /** The CLIENT span's request attributes, once the attempt is settled. */
    private void describe() {
      span.setAttribute(Attr.HTTP_REQUEST_METHOD, spanMethod)
          .setAttribute(Attr.SERVER_ADDRESS, endpoint.host)
          .setAttribute(Attr.SERVER_PORT, (long) endpoint.port)
          .setAttribute(Attr.URL_FULL, upstream.spanUrl(endpoint, plan.uri()))
          .setAttribute(Attr.UPSTREAM, upstream.name())
          .setAttribute(Attr.PEER_SERVICE, upstream.name())
          .setAttribute(Attr.SERVICE_PEER_NAME, upstream.name());
      if (n > 0) {
        span.setAttribute(Attr.HTTP_REQUEST_RESEND_COUNT, (long) n);
      }
    }

    private void failed(Throwable cause) {
      if (settled) {
        return;
      }
      settled = true;
      freeSlot();
      if (options != null) { // its deadline came, or the client left, before its turn
        options = null;
        upstream.queue().stoppedWaiting();
      }
      upstream.retries().ended(n > 0);
      cancelTimer();
      GatewayError error =
          abortedBy != null ? abortedBy : UpstreamFailures.classify(cause, upstream.name());
      if (abortedBy == null
          && UpstreamFailures.CONNECTION_CLOSED.equals(error.errorType())
          && System.nanoTime() >= idleDueNanos) {
        // the client's own idle timeout (the same idleTimeout, counted from the request's write)
        // closed the silent connection just before the deadline above fired: the upstream went idle
        error = UpstreamFailures.wentIdle(upstream.name());
      }
      boolean upstreamsFault =
          abortedBy == null
              ? !UpstreamFailures.QUEUE_FULL.equals(error.errorType())
              : abortedBy.key() == ErrorKey.UPSTREAM_TIMEOUT;
      if (upstreamsFault) {
        judge(true);
      } else if (upstream.breaker() != null) {
        // neither the client leaving, nor the request's deadline, nor a full queue says anything
        // about the upstream
        upstream.breaker().release(permit);
      }
      upstream.metrics().upstreamAttempt(upstream.name(), error.errorType());
      if (UpstreamFailures.connectFailure(error)) {
        upstream.selector().failedToConnect(endpoint);
      }
      if (span.isRecording()) {
        describe();
      }
      Spans.fail(
          span,
          error.errorType(),
          error.getMessage(),
          error.getCause() != null ? error.getCause() : cause);
      span.end();
      exchange.outcome().upstreamTime(System.nanoTime() - startNanos);
      RequestLogs.of(LOG.atDebug(), exchange)
          .log(
              "upstream '{}' attempt {} to {} failed: {} ({})",
              upstream.name(),
              n + 1,
              endpoint.address(),
              error.errorType(),
              error.getMessage());
      boolean retry =
          UpstreamFailures.retryable(error)
              && n < plan.retries()
              && IDEMPOTENT.contains(plan.method())
              && exchange.abandonedBy() == null
              && exchange.remainingMillis() > 0;
      if (retry && !upstream.retries().allowsRetry()) {
        retry = false;
        exchange
            .span()
            .addEvent(
                "retry not sent: upstream '" + upstream.name() + "' is over its retry budget");
        upstream.metrics().upstreamAttempt(upstream.name(), "retry_budget_exhausted");
      }
      if (retry) {
        attempt(n + 1);
      } else {
        result.fail(error);
      }
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }
  }
}
