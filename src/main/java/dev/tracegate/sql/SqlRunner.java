package dev.tracegate.sql;

import dev.tracegate.logging.RequestLogs;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one prepared statement for a request, with exactly one CLIENT span covering the wait for a
 * connection and the statement. Statements are pipelined on shared connections ({@link
 * Database#pipelined}), whose sessions carry the statement's timeout as {@code statement_timeout}.
 * When its timeout fires (or the request is abandoned) the span ends ERROR with {@code
 * error.type=timeout} and the request is answered {@code db_timeout} at once, while PostgreSQL
 * stops the statement itself (SQLSTATE 57014) and the statements pipelined behind it go on. The
 * span covers the gateway's wait, not the cancellation after it, so it never outlives the request's
 * SERVER span.
 */
public final class SqlRunner {
  public static final String QUERY_CANCELED = "57014";
  private static final Logger LOG = LoggerFactory.getLogger(SqlRunner.class);

  private final Database db;
  private final Tracer tracer;
  private final GatewayMetrics metrics;

  public SqlRunner(Database db, Tracer tracer, GatewayMetrics metrics) {
    this.db = db;
    this.tracer = tracer;
    this.metrics = metrics;
  }

  public Future<RowSet<Row>> run(Exchange ex, Context parent, SqlStatement stmt, Tuple args) {
    long timeoutMs = Math.min(stmt.timeoutMs, Math.max(1, ex.remainingMillis()));
    Span span =
        tracer
            .spanBuilder(stmt.spanName)
            .setParent(parent)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(Attr.DB_SYSTEM_NAME, "postgresql")
            .setAttribute(Attr.DB_SYSTEM, "postgresql")
            .setAttribute(Attr.DB_NAMESPACE, db.database())
            .setAttribute(Attr.DB_QUERY_TEXT, stmt.text)
            .setAttribute(Attr.DB_OPERATION_NAME, stmt.operation)
            .setAttribute(Attr.SERVER_ADDRESS, db.host())
            .setAttribute(Attr.SERVER_PORT, (long) db.port())
            .startSpan();
    stmt.table.ifPresent(t -> span.setAttribute(Attr.DB_COLLECTION_NAME, t));
    Execution run = new Execution(ex, span, timeoutMs, stmt.spanName);
    run.execute(db.pipelined(stmt.timeoutMs), stmt, args);
    return run.answer.future();
  }

  /** One statement's life: the answer may be given (timeout) before the statement has ended. */
  private final class Execution {
    private final Exchange ex;
    private final Span span;
    private final long timeoutMs;
    private final Promise<RowSet<Row>> answer = Promise.promise();
    private Timer timer;
    private final String name;
    private final long startNanos = System.nanoTime();
    private GatewayError cancelledBy;

    /** Set once the statement is over: the connection may already serve someone else's query. */
    private boolean completed;

    Execution(Exchange ex, Span span, long timeoutMs, String name) {
      this.ex = ex;
      this.span = span;
      this.timeoutMs = timeoutMs;
      this.name = name;
    }

    void execute(SqlClient client, SqlStatement stmt, Tuple args) {
      if (ex.abandonedBy() != null) {
        finish(null, ex.abandonedBy());
        return;
      }
      // the session's statement_timeout is stmt's own: PostgreSQL stops the statement itself when
      // this timer answers (or, when the request's deadline cut the wait shorter, at stmt's
      // timeout)
      timer = ex.vertx().timer(timeoutMs);
      timer.onSuccess(
          v ->
              giveUp(
                  new GatewayError(
                      ErrorKey.DB_TIMEOUT,
                      "the query ran past its " + timeoutMs + "ms timeout and was cancelled",
                      "timeout",
                      null)));
      ex.onCancel(() -> giveUp(ex.abandonedBy()));
      client
          .preparedQuery(stmt.text)
          .execute(args)
          .onComplete(
              ar -> {
                completed = true;
                timer.cancel();
                if (cancelledBy == null) {
                  finish(ar.succeeded() ? ar.result() : null, ar.failed() ? ar.cause() : null);
                } else {
                  RequestLogs.of(LOG.atDebug(), ex)
                      .log(
                          "statement {} after the gateway stopped waiting: {}",
                          name,
                          ar.failed() ? ar.cause().getMessage() : "it had finished");
                }
              });
    }

    /** The answer is given now; the statement itself is stopped by its session's timeout. */
    private void giveUp(GatewayError why) {
      if (completed || cancelledBy != null) {
        return;
      }
      cancelledBy = why;
      finish(null, why);
    }

    void finish(RowSet<Row> rows, Throwable failure) {
      ex.outcome().dbTime(System.nanoTime() - startNanos);
      if (failure == null) {
        span.setAttribute(Attr.DB_RESPONSE_RETURNED_ROWS, (long) rows.size());
        span.end();
        metrics.query(name, "ok", System.nanoTime() - startNanos);
        db.observed(true);
        answer.tryComplete(rows);
        return;
      }
      GatewayError error = classify(failure);
      if (failure instanceof PgException) {
        span.setAttribute(Attr.DB_RESPONSE_STATUS_CODE, ((PgException) failure).getSqlState());
      }
      // the fixed description only, never the server's text or the driver's exception: both can
      // quote a parameter's value ("invalid input syntax for type integer: \"<value>\"")
      Spans.fail(
          span,
          failure instanceof PgException
              ? ((PgException) failure).getSqlState()
              : error.errorType(),
          error.getMessage(),
          null);
      span.end();
      metrics.query(name, outcome(error.key()), System.nanoTime() - startNanos);
      RequestLogs.of(LOG.atDebug(), ex)
          .log("statement {} failed: {} ({})", name, error.errorType(), error.getMessage());
      db.observed(error.key() != ErrorKey.DB_UNAVAILABLE);
      answer.tryFail(error);
    }
  }

  private static String outcome(ErrorKey key) {
    switch (key) {
      case DB_TIMEOUT:
        return "timeout";
      case DB_UNAVAILABLE:
        return "unavailable";
      default:
        return "error";
    }
  }

  /**
   * The error a failed statement answers with: a fixed description and the SQLSTATE or exception
   * class, never the cause, whose text (the server's, or the pg client's coercion message) can
   * quote a parameter's value and would reach spans as an exception event.
   */
  static GatewayError classify(Throwable t) {
    if (t instanceof GatewayError) {
      return (GatewayError) t;
    }
    if (t instanceof PgException) {
      String state = ((PgException) t).getSqlState();
      if (state != null
          && (state.startsWith("08") || state.equals("57P01") || state.equals("57P03"))) {
        return new GatewayError(
            ErrorKey.DB_UNAVAILABLE,
            "the database is unavailable (SQLSTATE " + state + ")",
            state,
            null);
      }
      if (QUERY_CANCELED.equals(state)) {
        return new GatewayError(
            ErrorKey.DB_TIMEOUT, "the query was cancelled (SQLSTATE 57014)", state, null);
      }
      return new GatewayError(
          ErrorKey.DB_ERROR,
          "the database rejected the statement (SQLSTATE " + state + ")",
          state,
          null);
    }
    if (t instanceof ConnectException
        || t instanceof ClosedConnectionException
        || t instanceof TimeoutException
        || t.getCause() instanceof ConnectException) {
      return new GatewayError(
          ErrorKey.DB_UNAVAILABLE,
          "no database connection could be had",
          t.getClass().getName(),
          null);
    }
    return new GatewayError(
        ErrorKey.DB_ERROR,
        "database error: " + t.getClass().getSimpleName(),
        t.getClass().getName(),
        null);
  }
}
