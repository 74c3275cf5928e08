package dev.tracegate.linkage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.tracegate.bus.TracedConsumer;
import dev.tracegate.demo.DemoService;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit over healthy traffic of every route kind, through a traced upstream in the same buffer:
 * nothing found, nothing judged early; and a buffered trace exported as OTLP JSON reads back,
 * through the proto's JSON mapping, as the very spans the collector received.
 */
class LinkageAuditTest {
  static OtlpReceiver receiver;
  static TestGateway gateway;
  static DemoService echo;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    int echoPort = Ports.free();
    gateway =
        TestGateway.start(
            ""
                + "database: { url: '"
                + TestDatabase.url()
                + "' }\n"
                + "upstreams:\n"
                + "  echo: { urls: [http://127.0.0.1:"
                + echoPort
                + "], timeout: 10s }\n"
                + "routes:\n"
                + "  - { name: proxy, path: /proxy/*, proxy: { upstream: echo, stripPrefix: /proxy } }\n"
                + "  - { name: sql, path: /sql/:n, sql: { query: 'SELECT $1::int * 2 AS twice', params: ['path.n:int'], result: row } }\n"
                + "  - { name: bus, path: /bus/:n, bus: { address: audit.double } }\n"
                + "  - name: compose\n"
                + "    path: /compose/:n\n"
                + "    compose:\n"
                + "      steps:\n"
                + "        up:  { proxy: { upstream: echo, path: '/step/{path.n}' } }\n"
                + "        db:  { sql: { query: 'SELECT $1::int + 1 AS next', params: ['path.n:int'], result: row } }\n"
                + "        bus: { after: [up], bus: { address: audit.double } }\n",
            receiver,
            Map.of(
                "TRACEGATE_TELEMETRY_RECENT_TRACES",
                "5000",
                "TRACEGATE_SERVER_MAX_IN_FLIGHT",
                "2000"));
    echo =
        DemoService.start(
                "echo",
                "127.0.0.1",
                echoPort,
                null,
                null,
                gateway.gateway().telemetry().config(),
                List.of(gateway.gateway().recentTraces()))
            .await(20, TimeUnit.SECONDS);
    var vertx = gateway.gateway().vertx();
    TracedConsumer.register(
        vertx,
        gateway.gateway().telemetry().openTelemetry(),
        "audit.double",
        msg -> vertx.timer(1).map(new JsonObject().put("doubled", true)));
  }

  @AfterAll
  static void stop() throws Exception {
    echo.stop();
    gateway.close();
    receiver.close();
  }

  @Test
  void sixHundredConcurrentHealthyRequestsOfEveryKindShowNoViolation() throws Exception {
    String[] paths = {"/proxy/item/", "/sql/", "/bus/", "/compose/"};
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      sent.add(
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gateway.url(paths[i % 4] + i))).build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    JsonObject report = gateway.awaitLinkageSettled();
    assertThat(report.getLong("tracesJudged")).isGreaterThanOrEqualTo(600);
    assertThat(report.getLong("tracesEvictedUnsettled")).isZero();
    String metrics = admin("/metrics");
    for (Violation v : Violation.values()) {
      assertThat(report.getJsonObject("kinds").getJsonObject(v.key()).getLong("count"))
          .as(v.key())
          .isZero();
      assertThat(
              Prometheus.value(
                  metrics, "tracegate_linkage_violations_total{kind=\"" + v.key() + "\"}"))
          .as(v.key())
          .isZero();
    }
    assertThat(Prometheus.value(metrics, "tracegate_linkage_traces_total{outcome=\"judged\"}"))
        .isGreaterThanOrEqualTo(600);
    assertThat(admin("/linkage?format=text")).contains("split_request").contains("trace(s) judged");
  }

  @Test
  void aTraceInFlightIsNotJudgedUntilItsRequestHasFinished() throws Exception {
    LinkageAudit audit = gateway.gateway().linkage();
    gateway.awaitLinkageSettled();
    long judged = audit.judged();
    CompletableFuture<HttpResponse<String>> slow =
        TestGateway.http()
            .sendAsync(
                HttpRequest.newBuilder(URI.create(gateway.url("/proxy/slow?delay=1500"))).build(),
                HttpResponse.BodyHandlers.ofString());
    Awaitility.await()
        .until(() -> audit.unsettled() == 1); // its SERVER and CLIENT spans have started
    assertThat(gateway.get("/sql/1").statusCode()).isEqualTo(200);

    // the quick trace, started later, is judged; the slow one, quiet far longer than settle, is not
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> audit.judged() == judged + 1);
    assertThat(slow).isNotDone();
    assertThat(audit.unsettled()).isEqualTo(1);
    assertThat(audit.violations()).isZero();

    assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    gateway.awaitLinkageSettled();
    assertThat(audit.judged()).isEqualTo(judged + 2);
    assertThat(audit.violations()).isZero();
  }

  @Test
  void aTraceAsOtlpJsonReadsBackAsTheSpansTheCollectorReceived() throws Exception {
    HttpResponse<String> resp = gateway.get("/compose/7");
    assertThat(resp.statusCode()).isEqualTo(200);
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    // gateway SERVER, 3 steps, CLIENT, SQL, PRODUCER; echo's SERVER; the CONSUMER
    List<ReceivedSpan> received = receiver.awaitTrace(traceId, 9);
    Awaitility.await()
        .until(
            () ->
                new JsonObject(admin("/traces/" + traceId)).getInteger("spans") == received.size());

    HttpResponse<String> otlp =
        TestGateway.send(
            HttpRequest.newBuilder(
                URI.create(gateway.adminUrl("/traces/" + traceId + "?format=otlp"))));
    assertThat(otlp.statusCode()).isEqualTo(200);
    assertThat(otlp.headers().firstValue("Content-Type")).hasValue("application/json");
    ExportTraceServiceRequest.Builder decoded = ExportTraceServiceRequest.newBuilder();
    JsonFormat.parser().merge(idsAsBase64(new JsonObject(otlp.body())).encode(), decoded);

    List<ReceivedSpan> fromJson = OtlpReceiver.decoded(decoded.build());
    assertThat(fromJson).hasSameSizeAs(received);
    assertThat(byId(fromJson)).isEqualTo(byId(received));
  }

  /** Everything the collector could tell about each span, by span id. */
  private static Map<String, ReceivedSpan> byId(List<ReceivedSpan> spans) {
    return spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, s -> s));
  }

  /**
   * OTLP/JSON writes ids as hex where protobuf's generic JSON mapping expects base64 for {@code
   * bytes}: the one documented difference, undone here before the generic parser runs.
   */
  private static JsonObject idsAsBase64(JsonObject request) {
    for (Object rs : request.getJsonArray("resourceSpans")) {
      for (Object ss : ((JsonObject) rs).getJsonArray("scopeSpans")) {
        for (Object o : ((JsonObject) ss).getJsonArray("spans")) {
          JsonObject span = (JsonObject) o;
          for (String key : List.of("traceId", "spanId", "parentSpanId")) {
            rewrite(span, key);
          }
          for (Object link : span.getJsonArray("links", new JsonArray())) {
            rewrite((JsonObject) link, "traceId");
            rewrite((JsonObject) link, "spanId");
          }
        }
      }
    }
    return request;
  }

  private static void rewrite(JsonObject o, String key) {
    String hex = o.getString(key);
    if (hex != null) {
      o.put(key, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)));
    }
  }

  private static String admin(String path) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl(path)))).body();
  }
}
