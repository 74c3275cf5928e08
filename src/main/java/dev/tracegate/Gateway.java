package dev.tracegate;

import dev.tracegate.accesslog.AccessLog;
import dev.tracegate.admin.AdminServer;
import dev.tracegate.admin.TraceRoutes;
import dev.tracegate.bus.BusCall;
import dev.tracegate.bus.BusTarget;
import dev.tracegate.compose.ComposeTarget;
import dev.tracegate.config.AccessLogConfig;
import dev.tracegate.config.ConfigException;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.RouteConfig;
import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.config.UpstreamConfig;
import dev.tracegate.linkage.LinkageAudit;
import dev.tracegate.metrics.GatewayMetrics;
import dev.tracegate.proxy.CircuitBreaker;
import dev.tracegate.proxy.ConnectionShares;
import dev.tracegate.proxy.HealthChecker;
import dev.tracegate.proxy.OutlierDetector;
import dev.tracegate.proxy.ProxyTarget;
import dev.tracegate.proxy.RetryBudget;
import dev.tracegate.proxy.Upstream;
import dev.tracegate.route.Admission;
import dev.tracegate.route.RequestObserver;
import dev.tracegate.route.RouteTarget;
import dev.tracegate.sql.Database;
import dev.tracegate.sql.DatabaseSource;
import dev.tracegate.sql.SqlRunner;
import dev.tracegate.sql.SqlTarget;
import dev.tracegate.telemetry.RecentTraces;
import dev.tracegate.telemetry.Telemetry;
import dev.tracegate.util.TokenBucket;
import dev.tracegate.util.Urls;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway: telemetry first, then Vert.x with that SDK, one {@link GatewayVerticle} per
 * event loop, and the admin server. {@link #stop} drains, closes and flushes; it is idempotent.
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final Telemetry telemetry;
  private final Vertx vertx;
  private final Admission admission;
  private final int eventLoops;
  private final ConnectionShares shares;
  private String deploymentId;
  private final List<GatewayVerticle> verticles = new ArrayList<>();
  private final Map<String, TokenBucket> limiters = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, Upstream.Guards> guards =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The configuration serving now: {@code config} until a reload replaces its routes and upstreams.
   */
  private GatewayConfig serving;

  private AdminServer admin;
  private int port;
  private int adminPort;
  private CompletableFuture<Void> stopping;

  private final DatabaseSource embedded;
  private final Database database;
  private final SqlRunner sql;

  private final RecentTraces recent;
  private final LinkageAudit linkage;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final RequestObserver observer;

  private Gateway(
      GatewayConfig config,
      Telemetry telemetry,
      Vertx vertx,
      int eventLoops,
      DatabaseSource embedded,
      RecentTraces recent,
      AccessLog accessLog) {
    this.recent = recent;
    this.config = config;
    this.serving = config;
    this.telemetry = telemetry;
    this.vertx = vertx;
    this.eventLoops = eventLoops;
    this.shares = new ConnectionShares(vertx, eventLoops);
    this.embedded = embedded;
    this.admission =
        new Admission(config.server().maxInFlight(), config.server().maxBufferedBytes());
    this.metrics = new GatewayMetrics(telemetry.stats(), admission, telemetry.invalidHeaders());
    if (recent != null) {
      this.linkage =
          new LinkageAudit(
              recent, config.telemetry().recentTraces(), config.telemetry().linkageSettle());
      metrics.bindLinkage(linkage);
    } else {
      this.linkage = null;
    }
    this.accessLog = accessLog;
    List<RequestObserver> observers = new ArrayList<>(List.of(metrics));
    if (accessLog != null) {
      metrics.bindAccessLog(accessLog);
      observers.add(accessLog);
    }
    this.observer = RequestObserver.all(observers);
    if (config.usesDatabase()) {
      String url = embedded.url();
      this.database = Database.create(vertx, url, config.database());
      this.sql = new SqlRunner(database, telemetry.tracer(), metrics);
    } else {
      this.database = null;
      this.sql = null;
    }
  }

  /**
   * Starts everything; the future fails if any part cannot start (and what did start is closed).
   */
  public static Future<Gateway> start(GatewayConfig config, List<SpanProcessor> extraProcessors) {
    return start(config, extraProcessors, new VertxOptions());
  }

  /**
   * As {@link #start(GatewayConfig, List)}, from the given Vert.x settings (the tests tighten the
   * blocked-thread checker with them); the event loop count and transport are set here.
   */
  public static Future<Gateway> start(
      GatewayConfig config, List<SpanProcessor> extraProcessors, VertxOptions vertxOptions) {
    DatabaseSource embedded = null;
    if (config.usesDatabase()) {
      try {
        embedded = DatabaseSource.resolve(config.database());
      } catch (Exception e) {
        return Future.failedFuture(
            new IllegalStateException("embedded PostgreSQL did not start: " + e.getMessage(), e));
      }
    }
    Map<String, Double> sampling = sampling(config);
    RecentTraces recent =
        config.telemetry().recentTraces() > 0
            ? new RecentTraces(
                config.telemetry().recentTraces(), config.telemetry().linkageSettle())
            : null;
    List<SpanProcessor> processors = new ArrayList<>(extraProcessors);
    if (recent != null) {
      processors.add(recent);
    }
    Telemetry telemetry = Telemetry.create(config.telemetry(), sampling, processors);
    AccessLog accessLog;
    try {
      accessLog = openAccessLog(config.accessLog(), telemetry);
    } catch (IOException e) {
      return abandonStart(
          null,
          telemetry,
          embedded,
          new IllegalStateException("access log could not be opened: " + e, e));
    }
    int loops = config.server().eventLoopCount();
    DatabaseSource db = embedded;
    return Cluster.build(
            Vertx.builder()
                .with(
                    new VertxOptions(vertxOptions)
                        .setEventLoopPoolSize(loops)
                        // one class loader (the jar's): swapping the thread's context class loader
                        // in and out around every task Vert.x dispatches, four security-manager
                        // checks a request, bought nothing
                        .setDisableTCCL(true)
                        .setEventBusOptions(Cluster.eventBusOptions(config.eventBus())))
                .withTransport(config.server().transport().resolve())
                .withTracer(new OpenTelemetryTracingFactory(telemetry.storageOnly())),
            config.eventBus())
        .recover(
            t ->
                abandonStart(
                    accessLog,
                    telemetry,
                    db,
                    new IllegalStateException(
                        "could not join the event-bus cluster (members "
                            + config.eventBus().members()
                            + "): "
                            + t.getMessage(),
                        t)))
        .compose(
            vertx -> {
              Gateway gateway = new Gateway(config, telemetry, vertx, loops, db, recent, accessLog);
              return gateway
                  .deploy()
                  .transform(
                      ar -> {
                        if (ar.succeeded()) {
                          return Future.succeededFuture(gateway);
                        }
                        gateway.stop();
                        return Future.failedFuture(ar.cause());
                      });
            });
  }

  /**
   * Closes what a start that failed before Vert.x existed had opened, and fails with {@code why}.
   */
  private static <T> Future<T> abandonStart(
      AccessLog accessLog, Telemetry telemetry, DatabaseSource embedded, Exception why) {
    if (accessLog != null) {
      accessLog.close();
    }
    telemetry.shutdown();
    closeQuietly(embedded);
    return Future.failedFuture(why);
  }

  private static AccessLog openAccessLog(AccessLogConfig config, Telemetry telemetry)
      throws IOException {
    if (!config.enabled()) {
      return null;
    }
    return AccessLog.open(
        config,
        config.otlp() ? telemetry.otlpLogger("dev.tracegate.access") : null,
        telemetry.config().redactQueryKeys(),
        telemetry.config().exporter() != TelemetryConfig.Exporter.NONE);
  }

  private static void closeQuietly(DatabaseSource database) {
    if (database != null) {
      database.close();
    }
  }

  private Future<Void> deploy() {
    long started = System.nanoTime();
    DeploymentOptions options = new DeploymentOptions().setInstances(eventLoops);
    return vertx
        .deployVerticle(
            () -> {
              synchronized (verticles) {
                GatewayVerticle v =
                    new GatewayVerticle(
                        config,
                        telemetry,
                        admission,
                        this::target,
                        this::limiter,
                        this::guards,
                        metrics,
                        observer,
                        shares,
                        verticles.size());
                verticles.add(v);
                return v;
              }
            },
            options)
        .compose(
            id -> {
              deploymentId = id;
              port = verticles.get(0).actualPort();
              admin = new AdminServer(vertx, admission, () -> database == null || database.up());
              admin
                  .router()
                  .get("/metrics")
                  .handler(
                      ctx -> {
                        String accept = ctx.request().getHeader("Accept");
                        ctx.response()
                            .putHeader("Content-Type", GatewayMetrics.contentType(accept))
                            .end(metrics.scrape(accept));
                      });
              if (recent != null) {
                TraceRoutes.mount(admin.router(), recent, linkage);
              }
              return admin.start(config.admin().host(), config.admin().port());
            })
        // readiness must not say 200 before the database has answered once
        .compose(
            adminPort ->
                database == null
                    ? Future.succeededFuture(adminPort)
                    : database.probe().map(reachable -> adminPort))
        .map(
            adminPort -> {
              this.adminPort = adminPort;
              admission.markReady();
              LOG.info(
                  String.format(
                      "tracegate ready in %d ms: gateway on %s:%d, admin on %s:%d, %d routes, "
                          + "%d event loops (%s), %s, traces -> %s",
                      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                      config.server().host(),
                      port,
                      config.admin().host(),
                      adminPort,
                      config.routes().size(),
                      eventLoops,
                      config.server().transport().resolve().name(),
                      vertx.isClustered()
                          ? "event bus clustered with " + config.eventBus().members()
                          : "local event bus",
                      describeExport()));
              return null;
            });
  }

  /**
   * What a reload did: applied (routes and upstreams swapped) or refused, and why, for the log and
   * the caller.
   */
  public record Reload(boolean applied, String message) {}

  /**
   * Serves {@code next}'s routes and upstreams from now on, on every event loop (built there, then
   * swapped in one step per loop); requests in flight finish on the old ones, whose pools close
   * when idle. Refused, with the running configuration kept, when the new routes need what only a
   * restart can give (a database the gateway was started without), or when {@code load} finds the
   * file invalid. Keys outside routes and upstreams are restart-only: their changes are named, not
   * applied. Never on an event loop.
   */
  public synchronized Reload reload(Supplier<GatewayConfig> load) {
    GatewayConfig next;
    try {
      next = load.get();
    } catch (ConfigException e) {
      return refused("configuration error: " + e.getMessage());
    }
    GatewayConfig running = serving;
    if (next.usesDatabase() && sql == null) {
      return refused(
          "its routes use SQL and the gateway was started without any: the database pool needs a restart");
    }
    List<String> restartOnly = restartOnlyChanges(running, next);
    List<Future<Void>> swaps = new ArrayList<>();
    synchronized (verticles) {
      verticles.forEach(v -> swaps.add(v.reload(next)));
    }
    try {
      Future.all(swaps).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return refused("an event loop could not take the new routes: " + e.getMessage());
    }
    serving = next;
    dropStaleGuards(next);
    metrics.configReload("applied");
    String message =
        String.format(
            "%d route(s), %d upstream(s)%s",
            next.routes().size(),
            next.upstreams().size(),
            restartOnly.isEmpty()
                ? ""
                : "; changed but needing a restart, so not applied: "
                    + String.join(", ", restartOnly));
    LOG.info("tracegate: configuration reloaded: " + message);
    return new Reload(true, message);
  }

  private Reload refused(String why) {
    metrics.configReload("refused");
    LOG.warn("tracegate: configuration reload refused, the running one is kept: " + why);
    return new Reload(false, why);
  }

  /** The sections a reload does not apply, where {@code next} differs from what runs. */
  private static List<String> restartOnlyChanges(GatewayConfig running, GatewayConfig next) {
    List<String> changed = new ArrayList<>();
    if (!running.server().equals(next.server())) {
      changed.add("server");
    }
    if (!running.admin().equals(next.admin())) {
      changed.add("admin");
    }
    if (!running.telemetry().equals(next.telemetry())) {
      changed.add("telemetry");
    }
    if (!running.database().equals(next.database())) {
      changed.add("database");
    }
    if (!running.accessLog().equals(next.accessLog())) {
      changed.add("accessLog");
    }
    if (running.logFormat() != next.logFormat()) {
      changed.add("logging");
    }
    if (!running.eventBus().equals(next.eventBus())) {
      changed.add("eventBus");
    }
    if (!sampling(running).equals(sampling(next))) {
      changed.add("routes[].sampling"); // the sampler is built once, with the SDK
    }
    return changed;
  }

  private static Map<String, Double> sampling(GatewayConfig cfg) {
    Map<String, Double> out = new HashMap<>();
    cfg.routes().forEach(r -> r.sampling().ifPresent(s -> out.put(r.name(), s)));
    return out;
  }

  private String describeExport() {
    switch (config.telemetry().exporter()) {
      case OTLP:
        return Urls.redact(config.telemetry().tracesEndpoint())
            + " ("
            + config.telemetry().tracesProtocol().key()
            + ")";
      case LOGGING:
        return "log";
      default:
        return "nowhere (exporter none)";
    }
  }

  /**
   * The token bucket of a route with {@code rateLimit}, one per gateway (every event loop draws
   * from it); a reload keeps a route's bucket while its name and limit stay the same.
   */
  private TokenBucket limiter(RouteConfig route) {
    if (route.rateLimit().isEmpty()) {
      return null;
    }
    String key = route.name() + '\u0000' + route.rateLimit().get();
    RouteConfig.RateLimit limit = route.rateLimit().get();
    return limiters.computeIfAbsent(
        key, k -> TokenBucket.perSecond(limit.requestsPerSecond(), limit.burst()));
  }

  /**
   * The circuit and the endpoints' outlier state of an upstream, one of each per gateway: every
   * event loop's pool to that upstream reports to them and asks them; a reload keeps them while the
   * upstream's URLs and settings stay the same.
   */
  private Upstream.Guards guards(UpstreamConfig upstream) {
    return guards.computeIfAbsent(
        guardsKey(upstream),
        k -> {
          Upstream.Guards g =
              new Upstream.Guards(
                  upstream.circuitBreaker().map(cb -> circuit(upstream.name(), cb)).orElse(null),
                  upstream
                      .outlierDetection()
                      .map(od -> new OutlierDetector(od, upstream.urls().size()))
                      .orElse(null),
                  upstream
                      .healthCheck()
                      .map(
                          hc ->
                              new HealthChecker(
                                  vertx,
                                  upstream.urls(),
                                  hc,
                                  (endpoint, healthy) ->
                                      LOG.warn(
                                          "upstream '"
                                              + upstream.name()
                                              + "': endpoint "
                                              + endpoint
                                              + (healthy
                                                  ? " passes its health checks again: back in"
                                                  : " fails its health checks: out"))))
                      .orElse(null),
                  new RetryBudget());
          if (g.outliers() != null || g.health() != null) {
            for (int i = 0; i < upstream.urls().size(); i++) {
              int index = i;
              metrics.bindEndpoint(
                  upstream.name(),
                  Upstream.address(upstream.urls().get(i)),
                  () -> g.available(index, System.nanoTime()));
            }
          }
          if (g.health() != null) {
            g.health().start();
          }
          return g;
        });
  }

  private static String guardsKey(UpstreamConfig upstream) {
    return upstream.name()
        + '\u0000'
        + upstream.urls()
        + upstream.circuitBreaker()
        + upstream.outlierDetection()
        + upstream.healthCheck();
  }

  /**
   * After a reload: the guards of upstreams that are gone or changed stop (their health checks
   * end).
   */
  private void dropStaleGuards(GatewayConfig next) {
    java.util.Set<String> live = new java.util.HashSet<>();
    next.upstreams().values().forEach(u -> live.add(guardsKey(u)));
    guards
        .entrySet()
        .removeIf(
            e -> {
              if (live.contains(e.getKey())) {
                return false;
              }
              e.getValue().stop();
              return true;
            });
  }

  private CircuitBreaker circuit(String upstream, UpstreamConfig.CircuitBreaker config) {
    CircuitBreaker b =
        new CircuitBreaker(
            upstream,
            config,
            state -> {
              String name = state.name().toLowerCase(java.util.Locale.ROOT);
              metrics.circuitTransition(upstream, name);
              LOG.warn(
                  "upstream '"
                      + upstream
                      + "': circuit "
                      + name
                      + (state == CircuitBreaker.State.OPEN
                          ? " (failing: requests answer 503 circuit_open without trying it)"
                          : ""));
            });
    metrics.bindCircuit(upstream, () -> b.state().ordinal());
    return b;
  }

  /**
   * The one place a route kind becomes its target (one per event loop, with that loop's upstreams).
   */
  private RouteTarget target(RouteConfig route, Map<String, Upstream> upstreams) {
    boolean baggage = config.telemetry().propagatesBaggage();
    RouteConfig.Target t = route.target();
    if (t instanceof RouteConfig.Proxy p) {
      return new ProxyTarget(
          p,
          upstreams.get(p.upstream()),
          telemetry.tracer(),
          telemetry.propagator(),
          baggage,
          config.server()::trusts);
    }
    if (t instanceof RouteConfig.Sql s) {
      return new SqlTarget(route.name(), s, sql);
    }
    if (t instanceof RouteConfig.Bus b) {
      return new BusTarget(
          new BusCall(vertx.eventBus(), telemetry.tracer(), telemetry.propagator(), b),
          config.telemetry().captureHeaders().request());
    }
    if (t instanceof RouteConfig.Compose c) {
      return new ComposeTarget(
          route.name(),
          c,
          upstreams,
          sql,
          vertx.eventBus(),
          telemetry.tracer(),
          telemetry.propagator(),
          baggage);
    }
    throw new IllegalArgumentException(
        "route '" + route.name() + "': no target for " + t.getClass().getSimpleName());
  }

  public int port() {
    return port;
  }

  public int adminPort() {
    return adminPort;
  }

  /** The audit behind the admin {@code /linkage} report; null when {@code recentTraces} is 0. */
  public LinkageAudit linkage() {
    return linkage;
  }

  /**
   * The in-memory buffer behind the admin {@code /traces} view; null when {@code recentTraces} is
   * 0.
   */
  public RecentTraces recentTraces() {
    return recent;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  public Admission admission() {
    return admission;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Readiness goes 503, listeners stop accepting, in-flight requests get {@code shutdownGrace} to
   * finish, then Vert.x closes and every finished span is flushed (bounded by the export timeout).
   * Runs on its own thread, never an event loop; idempotent.
   */
  public synchronized CompletableFuture<Void> stop() {
    if (stopping == null) {
      stopping =
          CompletableFuture.runAsync(
              this::stopNow, task -> new Thread(task, "tracegate-stop").start());
    }
    return stopping;
  }

  private void stopNow() {
    long graceMs = config.server().shutdownGrace().toMillis();
    // first answer whatever still arrives with 503 shutting_down until nothing is in progress;
    // only then do the listeners close, and with them the connections that wait idle
    await(admission.startDraining(config.server().shutdownGrace()), graceMs, "draining requests");
    if (deploymentId != null) {
      await(
          vertx.undeploy(deploymentId),
          admission.remainingGraceMillis() + 2000,
          "closing the listeners");
    }
    if (admin != null) {
      await(admin.stop(), 2000, "closing the admin server");
    }
    if (database != null) {
      await(database.close(), 2000, "closing the database pool");
    }
    guards.values().forEach(Upstream.Guards::stop);
    await(vertx.close(), 5000, "closing Vert.x");
    if (accessLog != null) {
      accessLog.close(); // before the telemetry, whose log export the last records still use
    }
    telemetry.shutdown();
    if (linkage != null) {
      linkage.close();
    }
    closeQuietly(embedded);
  }

  private static void await(Future<?> future, long timeoutMs, String what) {
    await(future.toCompletionStage().toCompletableFuture(), timeoutMs, what);
  }

  private static void await(CompletableFuture<?> future, long timeoutMs, String what) {
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("tracegate: " + what + " did not finish cleanly: " + e);
    }
  }
}
