package dev.tracegate;

import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.RouteConfig;
import dev.tracegate.config.UpstreamConfig;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.proxy.ConnectionShares;
import dev.tracegate.proxy.Upstream;
import dev.tracegate.route.Admission;
import dev.tracegate.route.RequestHandler;
import dev.tracegate.route.RequestObserver;
import dev.tracegate.route.Route;
import dev.tracegate.route.RouteTable;
import dev.tracegate.route.RouteTarget;
import dev.tracegate.route.Routing;
import dev.tracegate.telemetry.HeaderCapture;
import dev.tracegate.telemetry.Telemetry;
import dev.tracegate.util.TokenBucket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One per event loop: its own upstream connection pools, route table and listener on the shared
 * gateway port. A reload swaps the routes and pools for new requests (see {@link Routing}).
 * Stopping drains: the listener stops accepting and in-flight requests get up to {@code
 * server.shutdownGrace} to finish.
 */
final class GatewayVerticle extends VerticleBase {
  private final GatewayConfig config;
  private final Telemetry telemetry;
  private final Admission admission;
  private final TargetFactory targets;
  private final Function<RouteConfig, TokenBucket> limiters;
  private final Function<UpstreamConfig, Upstream.Guards> guards;
  private final GatewayMetrics metrics;
  private final RequestObserver observer;
  private final ConnectionShares shares;

  /** Which event loop this is, 0-based: its share of each upstream's connections. */
  private final int loop;

  private HttpServer server;
  private RequestHandler handler;

  /** Builds the target of each route for one event loop, given that loop's upstreams. */
  interface TargetFactory {
    RouteTarget create(RouteConfig route, Map<String, Upstream> upstreams);
  }

  GatewayVerticle(
      GatewayConfig config,
      Telemetry telemetry,
      Admission admission,
      TargetFactory targets,
      Function<RouteConfig, TokenBucket> limiters,
      Function<UpstreamConfig, Upstream.Guards> guards,
      GatewayMetrics metrics,
      RequestObserver observer,
      ConnectionShares shares,
      int loop) {
    this.config = config;
    this.telemetry = telemetry;
    this.admission = admission;
    this.targets = targets;
    this.limiters = limiters;
    this.guards = guards;
    this.metrics = metrics;
    this.observer = observer;
    this.shares = shares;
    this.loop = loop;
  }

  /** This event loop's routes and upstream pools for {@code cfg}. */
  private Routing routing(GatewayConfig cfg) {
    Map<String, Upstream> upstreams = new HashMap<>();
    cfg.upstreams()
        .forEach(
            (name, up) ->
                upstreams.put(
                    name,
                    new Upstream(
                        shares,
                        loop,
                        up,
                        metrics,
                        telemetry.config().redactQueryKeys(),
                        guards.apply(up))));
    List<Route> routes = new ArrayList<>();
    for (RouteConfig rc : cfg.routes()) {
      routes.add(new Route(rc, targets.create(rc, upstreams), limiters.apply(rc)));
    }
    return new Routing(new RouteTable(routes), () -> upstreams.values().forEach(Upstream::close));
  }

  /**
   * Builds the routes and upstreams of {@code next} on this event loop and serves new requests from
   * them.
   */
  Future<Void> reload(GatewayConfig next) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          try {
            handler.swap(routing(next));
            done.complete();
          } catch (RuntimeException e) {
            done.fail(e);
          }
        });
    return done.future();
  }

  @Override
  public Future<?> start() {
    GatewayConfig.Server s = config.server();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(s.host())
            // port 0: one random port shared by every event loop (Vert.x shares negative ports)
            .setPort(s.port() == 0 ? -1 : s.port())
            .setTracingPolicy(TracingPolicy.IGNORE)
            .setCompressionSupported(false)
            .setHttp2ClearTextEnabled(false)
            // no route is a WebSocket route, so no extension is ever negotiated; with either of
            // these on, Vert.x puts Netty's WebSocket extension handler in every connection's
            // pipeline, which checks every request head for an upgrade and relays every write
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            // every answer is written on its connection's event loop (upstream replies, SQL
            // results, event-bus replies, timers and worker results all come back to the
            // request's context), so each write goes straight to the channel instead of through
            // a per-connection multi-producer queue (and its chunk of a few KB per connection)
            .setStrictThreadMode(true)
            // no idle timeout: every state of a connection already has a bound (the wait for a
            // head: server.headerTimeout, also between kept-alive requests; a request in flight:
            // its deadline, after which it is answered or reset), and Netty's idle handler would
            // cost every write a promise and a listener
            .setTcpNoDelay(true);
    handler =
        new RequestHandler(
            vertx,
            routing(config),
            admission,
            telemetry.tracer(),
            telemetry.propagator(),
            telemetry.invalidHeaders(),
            telemetry.config().propagatesBaggage(),
            s.requestTimeout(),
            s.maxBodyBytes(),
            s.headerTimeout(),
            options.isSsl() ? "https" : "http",
            new HeaderCapture(telemetry.config().captureHeaders()),
            observer);
    server =
        vertx
            .createHttpServer(options)
            .requestHandler(handler)
            .invalidRequestHandler(handler::handleInvalid)
            .connectionHandler(handler.headerTimeout());
    return server.listen();
  }

  int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(admission.remainingGraceMillis(), TimeUnit.MILLISECONDS);
  }
}
