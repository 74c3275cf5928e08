package dev.tracegate.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tracegate.testing.LogLines;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.event.KeyValuePair;

/**
 * What the access log keeps and where it goes: sampling never loses an error, query strings only on
 * request, text lines, OTLP log records, a failing output that costs requests nothing, and the
 * gateway's own records tagged with the request they are about.
 */
class AccessLogPolicyTest {
  @TempDir Path dir;
  static OtlpReceiver receiver;
  static TestUpstream upstream;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    receiver.close();
  }

  private static String routes() {
    return "upstreams:\n"
        + "  good: { urls: ["
        + upstream.url()
        + "], timeout: 5s }\n"
        + "routes:\n"
        + "  - { name: fast, path: /fast/*, proxy: { upstream: good, stripPrefix: /fast } }\n";
  }

  private static TestGateway gateway(String yaml, Map<String, String> env) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("TRACEGATE_ACCESS_LOG_ENABLED", "true");
    return TestGateway.start(yaml, receiver, all);
  }

  @Test
  void samplingDropsSuccessesButKeepsEveryError() throws Exception {
    AccessLogFile log = new AccessLogFile(dir.resolve("sampled.log"));
    try (TestGateway gw =
        gateway(
            routes(),
            Map.of(
                "TRACEGATE_ACCESS_LOG_OUTPUT",
                log.path.toString(),
                "TRACEGATE_ACCESS_LOG_SAMPLE",
                "0"))) {
      List<String> errors = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        assertThat(gw.get("/fast/ok").statusCode()).isEqualTo(200);
        HttpResponse<String> missing = gw.get("/missing/" + i);
        HttpResponse<String> failing = gw.get("/fast/x?status=503");
        errors.add(missing.headers().firstValue("X-Trace-Id").orElseThrow());
        errors.add(failing.headers().firstValue("X-Trace-Id").orElseThrow());
      }
      Awaitility.await().until(() -> log.records().size() >= errors.size());
      gw.gateway()
          .stop()
          .get(); // flushes the writer: whatever is not in the file now never will be
      assertThat(log.records())
          .extracting(r -> r.getString("trace_id"))
          .containsExactlyInAnyOrderElementsOf(errors);
      assertThat(log.records()).extracting(r -> r.getInteger("status")).containsOnly(404, 503);
    }
  }

  @Test
  void queryAndTextFormatOnRequest() throws Exception {
    Path file = dir.resolve("text.log");
    try (TestGateway gw =
        gateway(
            routes(),
            Map.of(
                "TRACEGATE_ACCESS_LOG_OUTPUT",
                file.toString(),
                "TRACEGATE_ACCESS_LOG_FORMAT",
                "text",
                "TRACEGATE_ACCESS_LOG_QUERY",
                "true"))) {
      HttpResponse<String> resp =
          gw.get("/fast/q?page=2&access_token=t0ps3cret", "User-Agent", "evil\"agent");
      String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
      Awaitility.await().until(() -> Files.readString(file).contains(traceId));
      String line =
          Files.readAllLines(file).stream()
              .filter(l -> l.contains(traceId))
              .findFirst()
              .orElseThrow();
      assertThat(line)
          .contains(" 127.0.0.1 \"GET /fast/q?page=2&access_token=REDACTED\" 200 - ")
          .doesNotContain("t0ps3cret")
          .contains(
              " route=fast upstream=good@127.0.0.1:" + upstream.port() + " attempts=1 upstream_ms=")
          .contains(" ua=\"evil\\\"agent\" ")
          .contains(" request_id=" + resp.headers().firstValue("X-Request-Id").orElseThrow())
          .endsWith(" sampled=true");
    }
  }

  @Test
  void recordsAlsoLeaveAsOtlpLogsWithTheirTraceIds() throws Exception {
    try (TestGateway gw =
        gateway(
            routes(),
            Map.of(
                "TRACEGATE_ACCESS_LOG_OUTPUT",
                dir.resolve("o.log").toString(),
                "TRACEGATE_ACCESS_LOG_OTLP",
                "true"))) {
      HttpResponse<String> resp = gw.get("/fast/otlp?status=502");
      String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
      OtlpReceiver.ReceivedLog record = receiver.awaitLog(l -> l.traceId().equals(traceId));
      ReceivedSpan server =
          receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"), 1).get(0);
      assertThat(record.spanId()).isEqualTo(server.spanId());
      assertThat(record.severity()).isEqualTo("ERROR");
      assertThat(record.body()).isEqualTo("GET /fast/otlp 502");
      assertThat(record.serviceName()).isEqualTo("tracegate");
      assertThat(record.attributes())
          .containsEntry("http.response.status_code", 502L)
          .containsEntry("tracegate.route", "fast")
          .containsEntry(
              "tracegate.request_id", resp.headers().firstValue("X-Request-Id").orElseThrow());
    }
  }

  @Test
  void fullDiskDropsAndCountsRecordsWhileRequestsCarryOn() throws Exception {
    try (TestGateway gw = gateway(routes(), Map.of("TRACEGATE_ACCESS_LOG_OUTPUT", "/dev/full"))) {
      for (int i = 0; i < 50; i++) {
        assertThat(gw.get("/fast/disk").statusCode()).isEqualTo(200);
      }
      Awaitility.await()
          .until(
              () ->
                  metric(gw, "tracegate_access_log_dropped_total{reason=\"write_failed\"}") >= 50);
      assertThat(metric(gw, "tracegate_access_log_written_total")).isZero();
    }
  }

  @Test
  void overloadRefusalIsLogged() throws Exception {
    AccessLogFile log = new AccessLogFile(dir.resolve("overload.log"));
    try (TestGateway gw =
        gateway(
            "server: { maxInFlight: 1 }\n" + routes(),
            Map.of("TRACEGATE_ACCESS_LOG_OUTPUT", log.path.toString()))) {
      CompletableFuture<HttpResponse<String>> slow =
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gw.url("/fast/hold?delay=1500"))).build(),
                  HttpResponse.BodyHandlers.ofString());
      Awaitility.await().until(() -> !upstream.received().isEmpty());
      HttpResponse<String> refused = gw.get("/fast/more");
      assertThat(refused.statusCode()).isEqualTo(503);
      JsonObject r = log.awaitTrace(refused.headers().firstValue("X-Trace-Id").orElseThrow());
      assertThat(r.getString("error")).isEqualTo("overloaded");
      assertThat(slow.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aHeadCutOffByHeaderTimeoutIsRecordedAsNothingSentNotAsBadRequest() throws Exception {
    AccessLogFile log = new AccessLogFile(dir.resolve("header-timeout.log"));
    try (TestGateway gw =
            gateway(
                "server: { headerTimeout: 300ms }\n" + routes(),
                Map.of("TRACEGATE_ACCESS_LOG_OUTPUT", log.path.toString()));
        Socket s = new Socket("127.0.0.1", gw.gateway().port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /fast/x HTTP/1.1\r\nHost: gw\r\n".getBytes());
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).as("closed with nothing sent").isEqualTo(-1);

      JsonObject r = log.await(rec -> true);
      assertThat(r.getInteger("status")).isEqualTo(408);
      assertThat(r.getString("error")).isEqualTo("header_timeout");
      assertThat(r.getLong("bytes_out")).isZero();
    }
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({"OTEL_SDK_DISABLED, true", "OTEL_TRACES_EXPORTER, none"})
  void aRecordIsSampledOnlyWhenItsTraceIsExported(String variable, String value) throws Exception {
    AccessLogFile log = new AccessLogFile(dir.resolve("unexported.log"));
    try (TestGateway gw =
        gateway(
            routes(),
            Map.of("TRACEGATE_ACCESS_LOG_OUTPUT", log.path.toString(), variable, value))) {
      HttpResponse<String> resp = gw.get("/fast/one");
      assertThat(resp.statusCode()).isEqualTo(200);
      JsonObject r = log.await(rec -> true);
      assertThat(r.getBoolean("sampled")).as("nothing reaches a collector").isFalse();
    }
  }

  @Test
  void ownLogRecordsCarryTheirRequestsIdsUnderConcurrency() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String yaml =
        "upstreams:\n  gone: { urls: ['http://127.0.0.1:"
            + port
            + "'] }\n"
            + "routes:\n  - { name: gone, path: /gone, proxy: { upstream: gone, retries: 0 } }\n";
    try (LogLines events = new LogLines("dev.tracegate.proxy.UpstreamCall", Level.DEBUG);
        TestGateway gw =
            gateway(
                yaml,
                Map.of(
                    "TRACEGATE_ACCESS_LOG_ENABLED",
                    "false",
                    "TRACEGATE_SERVER_EVENT_LOOPS",
                    "1",
                    "TRACEGATE_SERVER_MAX_IN_FLIGHT",
                    "1000"))) {
      for (int i = 0; i < 20; i++) { // warm: the first requests link lambdas and load classes
        assertThat(gw.get("/gone", "X-Request-Id", "warm-" + i).statusCode()).isEqualTo(502);
      }
      Awaitility.await().until(() -> events.events().size() >= 20);
      events.clear();
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        sent.add(
            TestGateway.http()
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(gw.url("/gone")))
                        .header("X-Request-Id", "r-" + i)
                        .build(),
                    HttpResponse.BodyHandlers.ofString()));
      }
      Map<String, String> traceByRequest = new HashMap<>();
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        HttpResponse<String> resp = f.get();
        assertThat(resp.statusCode()).isEqualTo(502);
        traceByRequest.put(
            resp.headers().firstValue("X-Request-Id").orElseThrow(),
            resp.headers().firstValue("X-Trace-Id").orElseThrow());
      }
      Awaitility.await().until(() -> events.events().size() >= 500);
      java.util.Set<String> traces = java.util.Set.copyOf(traceByRequest.values());
      Map<String, String> serverSpanByTrace =
          receiver
              .await(s -> s.kind().equals("SERVER") && traces.contains(s.traceId()), 500)
              .stream()
              .collect(Collectors.toMap(ReceivedSpan::traceId, ReceivedSpan::spanId, (a, b) -> a));
      List<ILoggingEvent> logged = events.events();
      assertThat(logged).hasSize(500);
      for (ILoggingEvent e : logged) {
        Map<String, Object> kv =
            e.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
        String trace = traceByRequest.get((String) kv.get("request_id"));
        assertThat(kv.get("trace_id")).as("trace of %s", kv.get("request_id")).isEqualTo(trace);
        assertThat(kv.get("span_id")).isEqualTo(serverSpanByTrace.get(trace));
      }
      assertThat(
              logged.stream()
                  .map(
                      e ->
                          e.getKeyValuePairs().stream()
                              .filter(p -> p.key.equals("request_id"))
                              .map(KeyValuePair::toString)
                              .findFirst()
                              .orElseThrow())
                  .distinct())
          .hasSize(500);
    }
  }

  static double metric(TestGateway gw, String series) throws Exception {
    return Prometheus.value(
        TestGateway.send(HttpRequest.newBuilder(URI.create(gw.adminUrl("/metrics")))).body(),
        series);
  }
}
