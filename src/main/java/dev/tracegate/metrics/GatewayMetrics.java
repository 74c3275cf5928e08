package dev.tracegate.metrics;

import dev.tracegate.accesslog.AccessLog;
import dev.tracegate.linkage.LinkageAudit;
import dev.tracegate.linkage.Violation;
import dev.tracegate.route.Admission;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.Outcome;
import dev.tracegate.route.RequestObserver;
import dev.tracegate.telemetry.InvalidTraceHeaders;
import dev.tracegate.telemetry.SpanStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics (Micrometer): requests by route, method and status with latency
 * histograms whose buckets carry trace-id exemplars (OpenMetrics format), upstream attempts and
 * database queries by outcome, requests in flight, spans started, open, exported and dropped, and
 * JVM basics. Meters are looked up once per label set and cached.
 */
public final class GatewayMetrics implements RequestObserver {
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)
  };
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

  private final ExemplarSource exemplars = new ExemplarSource();
  private final PrometheusMeterRegistry registry;

  /** By route, method, then status code: nothing is allocated on the hot path. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicReferenceArray<Timer>>>
      requests = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, LongAdder> queued = new ConcurrentHashMap<>();

  /** Upstream attempt counters by upstream, then outcome: no key to build per attempt. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> attempts =
      new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, Timer> queries = new ConcurrentHashMap<>();

  public GatewayMetrics(SpanStats spans, Admission admission, InvalidTraceHeaders invalidHeaders) {
    this.registry =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT,
            new PrometheusRegistry(),
            io.micrometer.core.instrument.Clock.SYSTEM,
            exemplars);
    reloads("applied");
    reloads("refused");
    Gauge.builder("tracegate.requests.in.flight", admission, Admission::inFlight)
        .description("Requests in progress")
        .register(registry);
    Gauge.builder("tracegate.request.bodies.buffered", admission, a -> a.bodies().used())
        .baseUnit("bytes")
        .description("Bytes of request bodies held in memory (server.maxBufferedBytes bounds them)")
        .register(registry);
    FunctionCounter.builder("tracegate.spans.started", spans, SpanStats::started)
        .description("Spans started")
        .register(registry);
    Gauge.builder("tracegate.spans.open", spans, SpanStats::open)
        .description("Spans started and not yet ended")
        .register(registry);
    FunctionCounter.builder("tracegate.spans.exported", spans, SpanStats::exported)
        .description("Spans the collector accepted")
        .register(registry);
    counter(
        "tracegate.spans.dropped",
        "reason",
        "queue_full",
        "Spans dropped before export",
        spans,
        SpanStats::droppedQueueFull);
    counter(
        "tracegate.spans.dropped",
        "reason",
        "export_failed",
        "Spans dropped before export",
        spans,
        SpanStats::exportFailed);
    Gauge.builder("tracegate.spans.queued", spans, SpanStats::pending)
        .description("Spans waiting for or in export")
        .register(registry);
    String invalid = "Requests whose trace headers could not be used";
    counter(
        "tracegate.trace.headers.invalid",
        "header",
        "traceparent",
        invalid,
        invalidHeaders,
        InvalidTraceHeaders::traceparent);
    counter(
        "tracegate.trace.headers.invalid",
        "header",
        "tracestate",
        invalid,
        invalidHeaders,
        InvalidTraceHeaders::tracestate);
    counter(
        "tracegate.trace.headers.invalid",
        "header",
        "baggage",
        invalid,
        invalidHeaders,
        InvalidTraceHeaders::baggage);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  @Override
  public void completed(Exchange ex, Outcome outcome) {
    int status = outcome.status();
    long durationNanos = outcome.durationNanos();
    String route = ex.route() == null ? "none" : ex.route().name();
    String method = ex.request().method().name();
    String methodLabel = METHODS.contains(method) ? method : "other";
    AtomicReferenceArray<Timer> byStatus = byStatus(route, methodLabel);
    boolean cached = status >= 0 && status < byStatus.length();
    Timer timer = cached ? byStatus.get(status) : null;
    if (timer == null) {
      timer = requestTimer(route, methodLabel, status);
      if (cached) {
        byStatus.set(status, timer);
      }
    }
    exemplars.begin(ex.span().getSpanContext());
    try {
      timer.record(durationNanos, TimeUnit.NANOSECONDS);
    } finally {
      exemplars.end();
    }
  }

  /** The access log's accounting: records written, and dropped by reason. */
  public void bindAccessLog(AccessLog log) {
    FunctionCounter.builder("tracegate.access.log.written", log, AccessLog::written)
        .description("Access records written")
        .register(registry);
    counter(
        "tracegate.access.log.dropped",
        "reason",
        "queue_full",
        "Access records dropped, never written",
        log,
        AccessLog::droppedQueueFull);
    counter(
        "tracegate.access.log.dropped",
        "reason",
        "write_failed",
        "Access records dropped, never written",
        log,
        AccessLog::droppedWriteFailed);
  }

  /** An endpoint was ejected or restored by outlier detection. */
  public void endpointChange(String upstream, String endpoint, boolean ejected) {
    Counter.builder("tracegate.upstream.endpoint.changes")
        .description("Endpoints ejected or restored")
        .tags(
            "upstream", upstream, "endpoint", endpoint, "change", ejected ? "ejected" : "restored")
        .register(registry)
        .increment();
  }

  /**
   * {@code tracegate_upstream_requests_queued{upstream}}: requests waiting for one of the
   * upstream's connections, over every event loop (and across reloads: by name). Each event loop's
   * queue adds to and takes from the one counter it is handed here.
   */
  public LongAdder upstreamQueued(String upstream) {
    return queued.computeIfAbsent(
        upstream,
        u -> {
          LongAdder waiting = new LongAdder();
          Gauge.builder("tracegate.upstream.requests.queued", waiting, LongAdder::sum)
              .strongReference(true)
              .description("Requests waiting for a connection to the upstream")
              .tag("upstream", u)
              .register(registry);
          return waiting;
        });
  }

  /** {@code tracegate_upstream_endpoint_healthy{upstream, endpoint}}: 1 in, 0 ejected. */
  public void bindEndpoint(
      String upstream, String endpoint, java.util.function.BooleanSupplier healthy) {
    Gauge.builder("tracegate.upstream.endpoint.healthy", healthy, h -> h.getAsBoolean() ? 1 : 0)
        .strongReference(true)
        .description("Endpoint in (1) or ejected (0)")
        .tags("upstream", upstream, "endpoint", endpoint)
        .register(registry);
  }

  /** A circuit changed state: counted by upstream and the state it moved to. */
  public void circuitTransition(String upstream, String state) {
    Counter.builder("tracegate.circuit.transitions")
        .description("Circuit state changes, by the state entered")
        .tags("upstream", upstream, "state", state)
        .register(registry)
        .increment();
  }

  /** {@code tracegate_circuit_state{upstream}}: 0 closed, 1 half-open, 2 open. */
  public void bindCircuit(String upstream, IntSupplier state) {
    Gauge.builder("tracegate.circuit.state", state, IntSupplier::getAsInt)
        .strongReference(true)
        .description("Circuit state: 0 closed, 1 half-open, 2 open")
        .tag("upstream", upstream)
        .register(registry);
  }

  /** One configuration reload: {@code applied} or {@code refused}. */
  public void configReload(String outcome) {
    reloads(outcome).increment();
  }

  /** The reload counter for {@code outcome} (registered once, found after). */
  private Counter reloads(String outcome) {
    return Counter.builder("tracegate.config.reloads")
        .description("Configuration reloads (SIGHUP) by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * The linkage audit's findings, one series per violation kind (0 until one is found), and its
   * traces.
   */
  public void bindLinkage(LinkageAudit audit) {
    for (Violation kind : Violation.values()) {
      counter(
          "tracegate.linkage.violations",
          "kind",
          kind.key(),
          "Linkage violations found in settled traces",
          audit,
          a -> a.violations(kind));
    }
    String traces = "Traces the linkage audit judged, lost before they settled, or never buffered";
    counter("tracegate.linkage.traces", "outcome", "judged", traces, audit, LinkageAudit::judged);
    counter(
        "tracegate.linkage.traces",
        "outcome",
        "evicted_unsettled",
        traces,
        audit,
        LinkageAudit::evictedUnsettled);
    counter("tracegate.linkage.traces", "outcome", "skipped", traces, audit, LinkageAudit::skipped);
  }

  /** A counter read from {@code source} when scraped, with one tag. */
  private <T> void counter(
      String name, String tag, String value, String description, T source, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, source, f)
        .tag(tag, value)
        .description(description)
        .register(registry);
  }

  /** Registers (or, when the registry has it already, finds) the request timer for these tags. */
  private Timer requestTimer(String route, String method, int status) {
    return Timer.builder("tracegate.requests")
        .description("Requests served, by route, method and status")
        .tags("route", route, "method", method, "status", Integer.toString(status))
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  private AtomicReferenceArray<Timer> byStatus(String route, String method) {
    return requests
        .computeIfAbsent(route, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(method, m -> new AtomicReferenceArray<>(600));
  }

  /**
   * One upstream attempt ended: {@code outcome} is a status class ({@code 2xx}) or an error type.
   */
  public void upstreamAttempt(String upstream, String outcome) {
    ConcurrentHashMap<String, Counter> byOutcome = attempts.get(upstream);
    if (byOutcome == null) {
      byOutcome = attempts.computeIfAbsent(upstream, u -> new ConcurrentHashMap<>());
    }
    Counter counter = byOutcome.get(outcome);
    if (counter == null) {
      counter =
          byOutcome.computeIfAbsent(
              outcome,
              o ->
                  Counter.builder("tracegate.upstream.attempts")
                      .description("Upstream attempts by outcome")
                      .tags("upstream", upstream, "outcome", o)
                      .register(registry));
    }
    counter.increment();
  }

  /**
   * One statement ended: {@code outcome} is {@code ok}, {@code timeout}, {@code unavailable} or
   * {@code error}.
   */
  public void query(String statement, String outcome, long durationNanos) {
    queries
        .computeIfAbsent(
            statement + '\u0000' + outcome,
            k ->
                Timer.builder("tracegate.db.queries")
                    .description("Database statements by outcome")
                    .tags("statement", statement, "outcome", outcome)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry))
        .record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The exposition for {@code accept}: Prometheus text, or OpenMetrics (with exemplars) when asked.
   */
  public String scrape(String accept) {
    return registry.scrape(accept);
  }

  public static String contentType(String accept) {
    return accept != null && accept.contains("application/openmetrics-text")
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
        : "text/plain; version=0.0.4; charset=utf-8";
  }

  private static final String[] STATUS_CLASSES = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

  public static String statusClass(int status) {
    int c = status / 100;
    return c >= 0 && c < STATUS_CLASSES.length ? STATUS_CLASSES[c] : c + "xx";
  }
}
