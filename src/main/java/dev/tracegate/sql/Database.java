package dev.tracegate.sql;

import dev.tracegate.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's PostgreSQL clients, pipelined, one per statement timeout (see {@link
 * #pipelined(long)}): each sized from {@code database.*}, prepared statements cached, the wait for
 * a connection bounded by {@code connectTimeout} (so an outage answers fast instead of queueing for
 * 30 s), and a light health probe that readiness reads. Vert.x's own SQL tracing is off: {@link
 * SqlRunner} owns exactly one span per statement.
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  static final long PROBE_INTERVAL_MS = 1000;

  private final Vertx vertx;
  private final PgConnectOptions connect;
  private final PoolOptions poolOptions;
  private final NetClientOptions net;

  /** Pipelined clients by statement timeout: see {@link #pipelined(long)}. */
  private final Map<Long, SqlClient> pipelined = new ConcurrentHashMap<>();

  private final long probeTimer;

  /** False until a probe has reached the server: readiness never guesses. */
  private volatile boolean up;

  private volatile boolean probed;

  private Database(
      Vertx vertx, PgConnectOptions connect, PoolOptions poolOptions, NetClientOptions net) {
    this.vertx = vertx;
    this.connect = connect;
    this.poolOptions = poolOptions;
    this.net = net;
    this.probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> probe());
  }

  /** Builds the clients for {@code url} (a {@code postgresql://} URL, credentials allowed). */
  public static Database create(Vertx vertx, String url, GatewayConfig.Database config) {
    PgConnectOptions connect =
        PgConnectOptions.fromUri(url)
            .setPipeliningLimit(config.pipeliningLimit())
            .setCachePreparedStatements(true)
            .setPreparedStatementCacheMaxSize(1024)
            .setTracingPolicy(TracingPolicy.IGNORE);
    PoolOptions options =
        new PoolOptions()
            .setMaxSize(config.poolSize())
            .setMaxWaitQueueSize(config.poolSize() * 128)
            .setConnectionTimeout((int) config.connectTimeout().toMillis())
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setIdleTimeout(60)
            .setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setPoolCleanerPeriod(5000);
    NetClientOptions net =
        new NetClientOptions().setConnectTimeout((int) config.connectTimeout().toMillis());
    LOG.info(
        "database: up to "
            + config.poolSize()
            + " connections per statement timeout, "
            + config.pipeliningLimit()
            + " statements in flight on each, to "
            + GatewayConfig.Database.redact(url));
    return new Database(vertx, connect, options, net);
  }

  /**
   * The client that runs statements of a {@code timeoutMs} timeout: pipelined, up to {@code
   * pipeliningLimit} statements in flight on each of its connections, and every session started
   * with {@code statement_timeout} set to that timeout, so PostgreSQL itself stops exactly a
   * statement that runs late (on a shared connection {@code pg_cancel} would stop whichever
   * statement runs) while the ones pipelined behind it go on. One per distinct timeout, so a
   * handful; each made on first use, its pool sized as {@code database.poolSize}.
   */
  SqlClient pipelined(long timeoutMs) {
    return pipelined.computeIfAbsent(
        timeoutMs,
        ms ->
            PgBuilder.client()
                .with(new PoolOptions(poolOptions))
                .with(net)
                .connectingTo(
                    new PgConnectOptions(connect).addProperty("statement_timeout", ms + "ms"))
                .using(vertx)
                .build());
  }

  String host() {
    return connect.getHost();
  }

  int port() {
    return connect.getPort();
  }

  String database() {
    return connect.getDatabase();
  }

  /** Whether the last probe reached the server; readiness is 503 while it is false. */
  public boolean up() {
    return up;
  }

  /** Probes now and completes when the answer (or failure) is known. */
  public Future<Boolean> probe() {
    return pipelined(PROBE_INTERVAL_MS * 2)
        .query("SELECT 1")
        .execute()
        .timeout(PROBE_INTERVAL_MS * 2, TimeUnit.MILLISECONDS)
        .map(rows -> true)
        .otherwise(false)
        .onSuccess(
            now -> {
              if (now != up || !probed) {
                if (now) {
                  if (probed) {
                    LOG.info("database: reachable again");
                  }
                } else {
                  LOG.warn(
                      "database: unreachable; SQL routes answer 503 db_unavailable and readiness is 503");
                }
              }
              up = now;
              probed = true;
            });
  }

  /**
   * Called for every statement outcome, so an outage is noticed at once rather than at the next
   * probe.
   */
  void observed(boolean reachable) {
    if (up != reachable) {
      probe();
    }
  }

  public Future<Void> close() {
    vertx.cancelTimer(probeTimer);
    List<Future<Void>> closing = new ArrayList<>();
    pipelined.values().forEach(c -> closing.add(c.close()));
    return Future.all(closing).mapEmpty();
  }
}
