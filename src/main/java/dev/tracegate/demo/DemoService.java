package dev.tracegate.demo;

import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.telemetry.Telemetry;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small upstream for the demo, traced under its own {@code service.name} by its own tracer
 * provider and stock vertx-opentelemetry instrumentation, so Jaeger shows it as a separate service.
 * {@code orders} reads PostgreSQL; {@code shipping} quotes by zip; {@code lab} is the {@link
 * LinkageLab}; any other name echoes. Every service honours {@code ?delay=MS} (a timer, never a
 * blocked thread) and {@code ?fail=STATUS}, and {@code POST /chaos/on} (then {@code /chaos/off})
 * makes one instance answer 503 to everything.
 */
public final class DemoService {
  private static final Logger LOG = LoggerFactory.getLogger(DemoService.class);

  private final String name;
  private final Telemetry telemetry;
  private final Vertx vertx;
  private final Pool pool;
  private final String gatewayUrl;
  private volatile boolean chaos;
  private HttpServer server;

  private DemoService(String name, Telemetry telemetry, Vertx vertx, Pool pool, String gatewayUrl) {
    this.gatewayUrl = gatewayUrl;
    this.name = name;
    this.telemetry = telemetry;
    this.vertx = vertx;
    this.pool = pool;
  }

  /**
   * Starts service {@code name} on {@code host:port}; {@code databaseUrl} is needed by {@code
   * orders} only, {@code gatewayUrl} (where the lab calls back) by {@code lab} only.
   */
  public static Future<DemoService> start(
      String name,
      String host,
      int port,
      String databaseUrl,
      String gatewayUrl,
      TelemetryConfig base,
      List<SpanProcessor> extraProcessors) {
    TelemetryConfig own = base.forService(name);
    Telemetry telemetry = Telemetry.create(own, java.util.Map.of(), extraProcessors);
    Vertx vertx =
        Vertx.builder().withTracer(new ErrorStatusTracing(telemetry.openTelemetry())).build();
    Pool pool = null;
    if ("orders".equals(name)) {
      if (databaseUrl == null) {
        return Future.failedFuture(
            new IllegalArgumentException("demo service 'orders' needs a database URL"));
      }
      pool =
          PgBuilder.pool()
              .with(new PoolOptions().setMaxSize(4))
              .connectingTo(PgConnectOptions.fromUri(databaseUrl))
              .using(vertx)
              .build();
    }
    DemoService service = new DemoService(name, telemetry, vertx, pool, gatewayUrl);
    return service.listen(host, port).map(service);
  }

  private Future<HttpServer> listen(String host, int port) {
    Router router = Router.router(vertx);
    // the chaos switch: while on, this instance answers 503 to everything (its health check too)
    router
        .post("/chaos/:state")
        .handler(
            ctx -> {
              chaos = "on".equals(ctx.pathParam("state"));
              LOG.info(
                  "demo service '"
                      + name
                      + "' on port "
                      + port
                      + ": chaos "
                      + (chaos ? "on, answering 503" : "off"));
              ok(ctx, new JsonObject().put("service", name).put("port", port).put("chaos", chaos));
            });
    router
        .route()
        .handler(
            ctx -> {
              if (chaos) {
                ctx.response()
                    .setStatusCode(503)
                    .putHeader("Content-Type", "application/json")
                    .end(
                        new JsonObject()
                            .put("service", name)
                            .put("port", port)
                            .put("chaos", true)
                            .encode());
              } else {
                ctx.next();
              }
            });
    router.route().handler(this::delayAndFail);
    switch (name) {
      case "orders":
        router.get("/orders").handler(this::listOrders);
        router.get("/orders/:id").handler(this::order);
        break;
      case "shipping":
        router.get("/quote/:zip").handler(this::quote);
        break;
      case "lab":
        LinkageLab.mount(router, vertx, telemetry.tracer(), telemetry.propagator(), gatewayUrl);
        break;
      default:
        router
            .route()
            .handler(
                ctx ->
                    ok(
                        ctx,
                        new JsonObject().put("service", name).put("path", ctx.request().path())));
    }
    return vertx
        .createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(router)
        .listen()
        .onSuccess(
            s -> {
              server = s;
              LOG.info("demo service '" + name + "' listening on " + host + ":" + s.actualPort());
            });
  }

  public int port() {
    return server.actualPort();
  }

  private void delayAndFail(RoutingContext ctx) {
    String fail = ctx.request().getParam("fail");
    String delay = ctx.request().getParam("delay");
    long ms = parse(delay, 0);
    Runnable next =
        () -> {
          if (fail != null) {
            int status = (int) parse(fail, 500);
            ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("service", name).put("failed", status).encode());
          } else {
            ctx.next();
          }
        };
    if (ms > 0) {
      vertx.setTimer(Math.min(ms, 60_000), id -> next.run());
    } else {
      next.run();
    }
  }

  private static long parse(String s, long fallback) {
    try {
      return s == null ? fallback : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private void order(RoutingContext ctx) {
    int id = (int) parse(ctx.pathParam("id"), -1);
    pool.preparedQuery("SELECT id, item, zip, total FROM demo_orders WHERE id = $1")
        .execute(Tuple.of(id))
        .onSuccess(
            rows -> {
              if (rows.size() == 0) {
                ctx.response()
                    .setStatusCode(404)
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", "no order " + id).encode());
              } else {
                ok(ctx, orderJson(rows.iterator().next()));
              }
            })
        .onFailure(ctx::fail);
  }

  private void listOrders(RoutingContext ctx) {
    pool.query("SELECT id, item, zip, total FROM demo_orders ORDER BY id")
        .execute()
        .onSuccess(
            rows -> {
              io.vertx.core.json.JsonArray out = new io.vertx.core.json.JsonArray();
              rows.forEach(r -> out.add(orderJson(r)));
              ctx.response().putHeader("Content-Type", "application/json").end(out.encode());
            })
        .onFailure(ctx::fail);
  }

  private static JsonObject orderJson(Row r) {
    return new JsonObject()
        .put("id", r.getInteger("id"))
        .put("item", r.getString("item"))
        .put("zip", r.getString("zip"))
        .put("total", r.getNumeric("total").doubleValue());
  }

  private void quote(RoutingContext ctx) {
    String zip = ctx.pathParam("zip");
    int days = 1 + Math.floorMod(zip.hashCode(), 5);
    ok(
        ctx,
        new JsonObject()
            .put("zip", zip)
            .put("carrier", days <= 2 ? "express" : "ground")
            .put("days", days)
            .put("price", 4.5 + days)
            .put("currency", "EUR"));
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  public void stop() {
    try {
      if (pool != null) {
        pool.close().await(2, TimeUnit.SECONDS);
      }
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("demo service '" + name + "' did not stop cleanly: " + e);
    }
    telemetry.shutdown();
  }
}
