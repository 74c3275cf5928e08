package dev.tracegate.proxy;

import dev.tracegate.config.RouteConfig;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RouteTarget;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * A proxy route: forwards the request to its upstream (path rewritten by {@code stripPrefix} or
 * the {@code path} template, query kept) and streams the answer back with back-pressure. The
 * upstream's own status, 4xx and 5xx included, passes through unchanged.
 */
public final class ProxyTarget implements RouteTarget {
  private final RouteConfig.Proxy config;
  private final Upstream upstream;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean dropBaggage;
  private final long timeoutMs;

  public ProxyTarget(RouteConfig.Proxy config, Upstream upstream, Tracer tracer, TextMapPropagator propagator,
                     boolean baggagePropagated) {
    this.config = config;
    this.upstream = upstream;
    this.tracer = tracer;
    this.propagator = propagator;
    this.dropBaggage = baggagePropagated;
    this.timeoutMs = config.timeout().orElse(upstream.config().timeout()).toMillis();
  }

  @Override
  public Future<Void> serve(Exchange ex) {
    HttpServerRequest req = ex.request();
    UpstreamCall.Plan plan = new UpstreamCall.Plan(req.method(), upstreamUri(ex),
        ForwardHeaders.request(req, dropBaggage), ex.body(), timeoutMs, config.retries());
    return UpstreamCall.start(upstream, tracer, propagator, ex, ex.context(), plan)
        .compose(reply -> relay(ex, reply));
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

  private static Future<Void> relay(Exchange ex, UpstreamReply reply) {
    HttpClientResponse in = reply.response();
    HttpServerResponse out = ex.request().response();
    if (out.closed() || out.ended()) {
      GatewayError gone = new GatewayError(ErrorKey.BAD_REQUEST, "client went away", "client_closed", null);
      reply.end(gone);
      in.request().reset();
      return Future.failedFuture(gone);
    }
    out.setStatusCode(in.statusCode());
    if (in.statusMessage() != null) {
      out.setStatusMessage(in.statusMessage());
    }
    ForwardHeaders.response(in.headers(), out.headers());
    if (!in.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      out.setChunked(true);
    }
    return in.pipe().endOnFailure(false).to(out)
        .andThen(ar -> reply.end(ar.failed() ? ar.cause() : null))
        .recover(t -> Future.failedFuture(new GatewayError(ErrorKey.UPSTREAM_UNAVAILABLE,
            "the answer from upstream '" + "' broke off: " + t.getMessage(), t.getClass().getName(), t)));
  }
}
