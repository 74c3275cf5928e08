package dev.tracegate.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.List;

/** The demo shop's tables and rows, created idempotently at every demo start. */
final class DemoSchema {
  private static final List<String> STATEMENTS = List.of(
      "CREATE TABLE IF NOT EXISTS demo_orders (id int PRIMARY KEY, item text NOT NULL, zip text NOT NULL,"
          + " total numeric(10,2) NOT NULL)",
      "CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, order_id int, qty int NOT NULL)",
      "INSERT INTO demo_orders VALUES (1, 'espresso machine', '10115', 249.00), (2, 'grinder', '80331', 89.90),"
          + " (3, 'milk jug', '20095', 12.50) ON CONFLICT (id) DO NOTHING",
      "INSERT INTO stock VALUES ('ESP-1', 1, 4), ('BEAN-250', 1, 120), ('GRD-7', 2, 9), ('JUG-3', 3, 0)"
          + " ON CONFLICT (sku) DO NOTHING");

  private DemoSchema() {}

  static Future<Void> seed(Vertx vertx, String url) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    Future<Void> chain = Future.succeededFuture();
    for (String sql : STATEMENTS) {
      chain = chain.compose(v -> pool.query(sql).execute().mapEmpty());
    }
    return chain.eventually(pool::close);
  }
}
