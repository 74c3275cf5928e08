package dev.tracegate.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo shop's tables and rows, from {@code demo-shop.sql} (the same file docker compose seeds
 * PostgreSQL with), run idempotently at every demo start.
 */
final class DemoSchema {
  static final String SCRIPT = "demo-shop.sql";

  private DemoSchema() {}

  static Future<Void> seed(Vertx vertx, String url) {
    List<String> statements;
    try {
      statements = statements();
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(vertx).build();
    Future<Void> chain = Future.succeededFuture();
    for (String sql : statements) {
      chain = chain.compose(v -> pool.query(sql).execute().mapEmpty());
    }
    return chain.eventually(pool::close);
  }

  /** The script split at semicolons that end a line; comment lines dropped. */
  static List<String> statements() throws IOException {
    String text;
    try (InputStream in = DemoSchema.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IOException(SCRIPT + " is missing from the jar");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      if (line.trim().startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (line.trim().endsWith(";")) {
        out.add(current.toString().trim());
        current.setLength(0);
      }
    }
    return out;
  }
}
