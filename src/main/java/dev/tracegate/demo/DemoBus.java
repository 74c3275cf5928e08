package dev.tracegate.demo;

import dev.tracegate.bus.TracedConsumer;
import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.Spans;
import dev.tracegate.telemetry.Telemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's event-bus services, consumers on the gateway's own Vert.x under their own service
 * names: {@code pricing} answers {@code shop.pricing} (a CPU-bound worker step through {@code
 * executeBlocking}, then PostgreSQL; {@code ?delay=MS} and {@code ?fail=CODE} as the HTTP demo
 * services have), {@code inventory} restocks on every {@code shop.restock} event. Their SQL spans
 * are made here with the consumer's span as parent, found through {@code Context.current()}: the
 * point of {@link TracedConsumer} is that it is still right after the worker hop.
 */
public final class DemoBus {
  /** The services, by name, and the address each consumes. */
  public static final List<String> SERVICES = List.of("pricing", "inventory");

  static final String PRICING = "shop.pricing";
  static final String RESTOCK = "shop.restock";

  /** Answers at once with the message's path captures: the bus's own cost, for bench/run.sh. */
  static final String ECHO = "shop.echo";

  private static final String PRICE_SQL =
      "SELECT sku, qty FROM stock WHERE sku = $1 OR order_id = $2 ORDER BY sku LIMIT 1";
  private static final String RESTOCK_SQL = "UPDATE stock SET qty = qty + $2 WHERE sku = $1";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DemoBus.class);
  private final Vertx vertx;
  private final Pool pool; // closed with its Vert.x
  private final List<Telemetry> telemetry;

  private DemoBus(Vertx vertx, Pool pool, List<Telemetry> telemetry) {
    this.vertx = vertx;
    this.pool = pool;
    this.telemetry = telemetry;
  }

  /**
   * Both services as consumers on {@code vertx} (the gateway's own, in the {@code demo} command).
   */
  static DemoBus start(
      Vertx vertx, String databaseUrl, TelemetryConfig base, List<SpanProcessor> shared) {
    return start(vertx, databaseUrl, base, shared, List.of("pricing", "inventory", "echo"));
  }

  private static DemoBus start(
      Vertx vertx,
      String databaseUrl,
      TelemetryConfig base,
      List<SpanProcessor> shared,
      List<String> services) {
    Pool pool =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(4))
            .connectingTo(
                PgConnectOptions.fromUri(databaseUrl).setTracingPolicy(TracingPolicy.IGNORE))
            .using(vertx)
            .build();
    List<Telemetry> telemetry = new java.util.ArrayList<>();
    DemoBus bus = new DemoBus(vertx, pool, telemetry);
    for (String name : services) {
      Telemetry t = Telemetry.create(base.forService(name), Map.of(), shared);
      telemetry.add(t);
      Tracer tracer = t.tracer();
      if (name.equals("pricing")) {
        TracedConsumer.register(vertx, t.openTelemetry(), PRICING, msg -> bus.price(msg, tracer));
      } else if (name.equals("echo")) {
        TracedConsumer.register(
            vertx,
            t.openTelemetry(),
            ECHO,
            msg ->
                Future.succeededFuture(
                    new JsonObject()
                        .put("echo", ((JsonObject) msg.body()).getJsonObject("params"))));
      } else {
        TracedConsumer.register(vertx, t.openTelemetry(), RESTOCK, msg -> bus.restock(msg, tracer));
      }
    }
    return bus;
  }

  /** One service in its own process: a clustered Vert.x that joins the gateway's cluster. */
  public static Future<Member> join(
      String name,
      String databaseUrl,
      TelemetryConfig base,
      dev.tracegate.config.GatewayConfig.EventBus eventBus) {
    return dev.tracegate.Cluster.build(
            Vertx.builder()
                .with(
                    new io.vertx.core.VertxOptions()
                        .setEventBusOptions(dev.tracegate.Cluster.eventBusOptions(eventBus))),
            eventBus)
        .compose(
            vertx -> DemoSchema.seed(vertx, databaseUrl).map(vertx)) // idempotent, as `demo` does
        .map(
            vertx -> {
              DemoBus bus = start(vertx, databaseUrl, base, List.of(), List.of(name));
              LOG.info(
                  "demo service '{}' consuming {} as a member of the cluster {}",
                  name,
                  name.equals("pricing") ? PRICING : RESTOCK,
                  eventBus.members());
              return new Member(vertx, bus);
            });
  }

  /** A running clustered service; {@link #stop} leaves the cluster and flushes the spans. */
  public record Member(Vertx vertx, DemoBus bus) {
    public void stop() {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("demo service did not leave the cluster cleanly: " + e);
      }
      bus.stop();
    }
  }

  private Future<Object> price(Message<Object> msg, Tracer tracer) {
    JsonObject m = (JsonObject) msg.body();
    JsonObject query = m.getJsonObject("query", new JsonObject());
    JsonObject params = m.getJsonObject("params", new JsonObject());
    if (query.getString("fail") != null) {
      int code = parse(query.getString("fail"), 500);
      return Future.failedFuture(
          new ReplyException(
              ReplyFailure.RECIPIENT_FAILURE, code, "pricing refused (?fail=" + code + ")"));
    }
    String sku = params.getString("sku", "");
    int orderId = parse(params.getString("id"), -1);
    long delay = parse(query.getString("delay"), 0);
    return vertx
        .executeBlocking(() -> cents(sku.isEmpty() ? "order-" + orderId : sku))
        .compose(
            cents ->
                query(tracer, "SELECT stock", PRICE_SQL, Tuple.of(sku, orderId))
                    .map(
                        rows -> {
                          Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
                          return new JsonObject()
                              .put("service", "pricing")
                              .put("sku", row == null ? sku : row.getString("sku"))
                              .put("price", cents / 100.0)
                              .put("inStock", row != null && row.getInteger("qty") > 0);
                        }))
        .compose(
            reply ->
                delay > 0
                    ? vertx.timer(delay, TimeUnit.MILLISECONDS).map(reply)
                    : Future.succeededFuture(reply));
  }

  private Future<Object> restock(Message<Object> msg, Tracer tracer) {
    JsonObject body = ((JsonObject) msg.body()).getJsonObject("body", new JsonObject());
    return query(
            tracer,
            "UPDATE stock",
            RESTOCK_SQL,
            Tuple.of(body.getString("sku", ""), body.getInteger("qty", 0)))
        .map(rows -> null);
  }

  /** A CLIENT span for one statement, under whatever span is current: the consumer's own. */
  private Future<RowSet<Row>> query(Tracer tracer, String name, String sql, Tuple args) {
    Span span =
        tracer
            .spanBuilder(name)
            .setParent(Context.current())
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(Attr.DB_SYSTEM_NAME, "postgresql")
            .setAttribute(Attr.DB_SYSTEM, "postgresql")
            .setAttribute(Attr.DB_QUERY_TEXT, sql)
            .startSpan();
    return pool.preparedQuery(sql)
        .execute(args)
        .andThen(
            ar -> {
              if (ar.failed()) {
                Spans.fail(
                    span, ar.cause().getClass().getName(), ar.cause().getMessage(), ar.cause());
              }
              span.end();
            });
  }

  /**
   * A price from a few thousand SHA-256 rounds: CPU work that belongs on a worker, not an event
   * loop.
   */
  private static long cents(String sku) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] h = sku.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 20_000; i++) {
      h = sha.digest(h);
    }
    return 500 + Math.floorMod(h[0] * 256 + h[1], 9_500);
  }

  private static int parse(String v, int fallback) {
    try {
      return v == null ? fallback : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** After its Vert.x closed (and the pool with it): flushes the consumers' spans. */
  void stop() {
    telemetry.forEach(Telemetry::shutdown);
  }
}
