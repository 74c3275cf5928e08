package dev.tracegate.admin;

import dev.tracegate.route.Admission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BooleanSupplier;

/**
 * The operator's port (loopback by default): liveness, readiness, metrics and the local trace view.
 * Never traced itself, so probes and scrapes do not flood the traces users study.
 */
public final class AdminServer {
  private final Vertx vertx;
  private final Admission admission;
  private final BooleanSupplier dependenciesUp;
  private final Router router;
  private HttpServer server;

  public AdminServer(Vertx vertx, Admission admission, BooleanSupplier dependenciesUp) {
    this.vertx = vertx;
    this.admission = admission;
    this.dependenciesUp = dependenciesUp;
    this.router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
  }

  /** Where further admin pages (metrics, traces) are mounted. */
  public Router router() {
    return router;
  }

  public Future<Integer> start(String host, int port) {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setTracingPolicy(TracingPolicy.IGNORE)
            .setHttp2ClearTextEnabled(
                false); // probes and scrapers speak HTTP/1.1; no h2c upgrade dance
    return vertx
        .createHttpServer(options)
        .requestHandler(router)
        .listen()
        .map(
            s -> {
              server = s;
              return s.actualPort();
            });
  }

  private void ready(RoutingContext ctx) {
    if (!admission.ready()) {
      json(
          ctx, 503, new JsonObject().put("status", admission.draining() ? "DRAINING" : "STARTING"));
    } else if (!dependenciesUp.getAsBoolean()) {
      json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", "database unreachable"));
    } else {
      json(ctx, 200, new JsonObject().put("status", "UP"));
    }
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
