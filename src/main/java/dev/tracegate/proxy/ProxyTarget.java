package dev.tracegate.proxy;

import dev.tracegate.config.RouteConfig;
import dev.tracegate.route.BodyReader;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RouteTarget;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Predicate;

/**
 * A proxy route: forwards the request to its upstream (path rewritten by {@code stripPrefix} or the
 * {@code path} template, query kept) and streams the answer back with back-pressure. The upstream's
 * own status, 4xx and 5xx included, passes through unchanged.
 */
public final class ProxyTarget implements RouteTarget {
  private final RouteConfig.Proxy config;
  private final Upstream upstream;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean dropBaggage;
  private final Predicate<String> trustedProxy;
  private final long timeoutMs;

  /**
   * {@code trustedProxy} says whether a peer address is one whose forwarding headers are believed.
   */
  public ProxyTarget(
      RouteConfig.Proxy config,
      Upstream upstream,
      Tracer tracer,
      TextMapPropagator propagator,
      boolean baggagePropagated,
      Predicate<String> trustedProxy) {
    this.config = config;
    this.upstream = upstream;
    this.tracer = tracer;
    this.propagator = propagator;
    this.dropBaggage = baggagePropagated;
    this.trustedProxy = trustedProxy;
    this.timeoutMs = config.timeout().orElse(upstream.config().timeout()).toMillis();
  }

  @Override
  public Future<Void> serve(Exchange ex) {
    HttpServerRequest req = ex.request();
    String uri;
    try {
      uri = upstreamUri(ex);
    } catch (GatewayError e) {
      return Future.failedFuture(e);
    }
    String client = ex.clientAddress();
    boolean trusted = client != null && trustedProxy.test(client);
    String requestId = ex.outcome().requestId();
    String scheme = ex.scheme();
    UpstreamCall.Headers headers =
        out -> ForwardHeaders.request(req, client, scheme, requestId, dropBaggage, trusted, out);
    UpstreamCall.Plan plan =
        ex.streamedBody()
            ? new UpstreamCall.Plan(
                req.method(), uri, headers, Buffer.buffer(), timeoutMs, 0, req, ex.streamedLength())
            : new UpstreamCall.Plan(
                req.method(), uri, headers, ex.body(), timeoutMs, config.retries());
    return UpstreamCall.start(upstream, tracer, propagator, ex, ex.context(), plan)
        .compose(reply -> relay(ex, reply));
  }

  /**
   * A body is streamed (not buffered) when no retry could need it again: the route does not retry,
   * or the method is not idempotent. Otherwise it is read, bounded, so a retry can resend it.
   */
  @Override
  public boolean streamsBody(HttpServerRequest request) {
    return config.retries() == 0 || !UpstreamCall.idempotent(request.method());
  }

  private String upstreamUri(Exchange ex) {
    HttpServerRequest req = ex.request();
    String path;
    if (config.path().isPresent()) {
      path = PathTemplate.expand(config.path().get(), ex, null);
    } else {
      path = req.path();
      String strip = config.stripPrefix().orElse(null);
      if (strip != null && path.startsWith(strip)) {
        path = path.substring(strip.length());
        if (path.isEmpty() || path.charAt(0) != '/') {
          path = "/" + path;
        }
      }
    }
    String query = req.query();
    return query == null || query.isEmpty() ? path : path + "?" + query;
  }

  /**
   * Answers up to this size are read whole and written with their head in one go; larger ones
   * stream.
   */
  static final long SMALL_BODY_BYTES = 64 * 1024;

  private Future<Void> relay(Exchange ex, UpstreamReply reply) {
    HttpClientResponse in = reply.response();
    HttpServerResponse out = ex.request().response();
    if (out.closed() || out.ended()) {
      GatewayError gone =
          new GatewayError(ErrorKey.BAD_REQUEST, "client went away", "client_closed", null);
      reply.end(gone);
      in.request().reset();
      return Future.failedFuture(gone);
    }
    out.setStatusCode(in.statusCode());
    if (in.statusMessage() != null) {
      out.setStatusMessage(in.statusMessage());
    }
    ForwardHeaders.response(in.headers(), out.headers());
    long length = BodyReader.declaredLength(in.getHeader(HttpHeaders.CONTENT_LENGTH));
    // the CLIENT span (and the upstream time) ends once the upstream's body is in, before the
    // response ends: observers of the finished request must see the whole upstream exchange
    Future<Void> relayed;
    if (length >= 0 && length <= SMALL_BODY_BYTES) {
      // one write for head and body; should the upstream break off, the client still gets a clean
      // 502
      relayed =
          in.body().andThen(ar -> reply.end(ar.failed() ? ar.cause() : null)).compose(out::end);
    } else {
      if (length < 0) {
        out.setChunked(true);
      }
      relayed =
          in.pipe()
              .endOnSuccess(false)
              .endOnFailure(false)
              .to(out)
              .andThen(ar -> reply.end(ar.failed() ? ar.cause() : null))
              .compose(v -> out.end());
    }
    return relayed.recover(
        t ->
            Future.failedFuture(
                new GatewayError(
                    ErrorKey.UPSTREAM_UNAVAILABLE,
                    "the answer from upstream '"
                        + upstream.name()
                        + "' broke off: "
                        + t.getMessage(),
                    t.getClass().getName(),
                    t)));
  }
}
