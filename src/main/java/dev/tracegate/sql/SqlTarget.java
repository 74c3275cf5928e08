package dev.tracegate.sql;

import dev.tracegate.config.RouteConfig;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RouteTarget;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowIterator;
import io.vertx.sqlclient.RowSet;

/**
 * A SQL route: binds the request's values, runs the statement, answers row, rows or count as JSON.
 */
public final class SqlTarget implements RouteTarget {
  private final SqlStatement statement;
  private final SqlRunner runner;

  public SqlTarget(String routeName, RouteConfig.Sql sql, SqlRunner runner) {
    this.statement = new SqlStatement(sql, routeName);
    this.runner = runner;
  }

  @Override
  public boolean needsBody() {
    return statement.readsBody();
  }

  @Override
  public Future<Void> serve(Exchange ex) {
    return query(runner, statement, ex)
        .compose(
            json -> {
              ex.request()
                  .response()
                  .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                  .end(json.toString());
              return Future.succeededFuture();
            });
  }

  /** Runs {@code stmt} for {@code ex} and renders the result as its {@code result} mode says. */
  public static Future<Object> query(SqlRunner runner, SqlStatement stmt, Exchange ex) {
    return query(runner, stmt, ex, ex.context());
  }

  /** Like {@link #query(SqlRunner, SqlStatement, Exchange)}, the DB span under {@code parent}. */
  public static Future<Object> query(
      SqlRunner runner, SqlStatement stmt, Exchange ex, io.opentelemetry.context.Context parent) {
    io.vertx.sqlclient.Tuple args;
    try {
      args = ParamBinder.bind(stmt.config.params(), ex);
    } catch (GatewayError e) {
      return Future.failedFuture(e);
    }
    return runner.run(ex, parent, stmt, args).compose(rows -> render(stmt.config.result(), rows));
  }

  static Future<Object> render(RouteConfig.SqlResult mode, RowSet<Row> rows) {
    switch (mode) {
      case ROW:
        RowIterator<Row> it = rows.iterator();
        if (!it.hasNext()) {
          return Future.failedFuture(new GatewayError(ErrorKey.NOT_FOUND, "no row matched"));
        }
        return Future.succeededFuture(RowRenderer.object(it.next()));
      case COUNT:
        return Future.succeededFuture(new JsonObject().put("count", rows.rowCount()));
      default:
        JsonArray out = new JsonArray();
        for (Row r : rows) {
          out.add(RowRenderer.object(r));
        }
        return Future.succeededFuture(out);
    }
  }
}
