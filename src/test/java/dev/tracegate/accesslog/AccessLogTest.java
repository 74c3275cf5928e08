package dev.tracegate.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One JSON access record per request, whatever became of it, carrying the ids the client saw. */
class AccessLogTest {
  @TempDir static Path dir;
  static OtlpReceiver receiver;
  static TestUpstream upstream;
  static TestGateway gateway;
  static AccessLogFile log;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
    log = new AccessLogFile(dir.resolve("access.log"));
    gateway =
        TestGateway.start(
            ""
                + "server: { maxBodyBytes: 1024 }\n"
                + "telemetry: { captureHeaders: { request: [x-tenant], response: [x-upstream] } }\n"
                + "upstreams:\n"
                + "  good: { urls: ["
                + upstream.url()
                + "], timeout: 300ms }\n"
                + "routes:\n"
                + "  - { name: fast, path: /fast/*, methods: [GET, POST], proxy: { upstream: good, stripPrefix: /fast } }\n"
                + "  - { name: patient, path: /patient/*, proxy: { upstream: good, stripPrefix: /patient, timeout: 10s } }\n",
            receiver,
            Map.of(
                "TRACEGATE_ACCESS_LOG_ENABLED",
                "true",
                "TRACEGATE_ACCESS_LOG_OUTPUT",
                log.path.toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
    receiver.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  @Test
  void successfulRequestIsLoggedWithTheIdsTheClientGot() throws Exception {
    HttpResponse<String> resp =
        gateway.get("/fast/orders/7?token=secret", "User-Agent", "probe/1.0");
    assertThat(resp.statusCode()).isEqualTo(200);
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();

    JsonObject r = log.awaitTrace(traceId);
    ReceivedSpan server =
        receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"), 1).get(0);
    assertThat(r.getString("span_id")).isEqualTo(server.spanId());
    assertThat(r.getString("request_id"))
        .isEqualTo(resp.headers().firstValue("X-Request-Id").orElseThrow());
    assertThat(r.getString("route")).isEqualTo("fast");
    assertThat(r.getString("method")).isEqualTo("GET");
    assertThat(r.getString("path")).isEqualTo("/fast/orders/7");
    assertThat(r.containsKey("query")).as("query strings stay out by default").isFalse();
    assertThat(r.encode()).doesNotContain("secret");
    assertThat(r.getInteger("status")).isEqualTo(200);
    assertThat(r.getValue("error")).isNull();
    assertThat(r.getString("user_agent")).isEqualTo("probe/1.0");
    assertThat(r.getString("client")).isEqualTo("127.0.0.1");
    assertThat(r.getLong("bytes_out"))
        .isEqualTo(resp.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(r.getBoolean("sampled")).isTrue();
    assertThat(r.getString("upstream")).isEqualTo("good");
    assertThat(r.getString("upstream_address")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(r.getInteger("upstream_attempts")).isEqualTo(1);
    assertThat(r.getDouble("upstream_ms"))
        .isPositive()
        .isLessThanOrEqualTo(r.getDouble("duration_ms"));
    assertThat(r.getString("timestamp"))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(r.containsKey("db_ms")).isFalse();
  }

  @Test
  void upstreamTimeoutIsLoggedWithItsErrorKey() throws Exception {
    HttpResponse<String> resp = gateway.get("/fast/slow?delay=1000");
    assertThat(resp.statusCode()).isEqualTo(504);
    JsonObject r = log.awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow());
    assertThat(r.getInteger("status")).isEqualTo(504);
    assertThat(r.getString("error")).isEqualTo("upstream_timeout");
    assertThat(r.getString("upstream")).isEqualTo("good");
  }

  @Test
  void unmatchedPathIsLoggedWithoutRoute() throws Exception {
    HttpResponse<String> resp = gateway.get("/nowhere");
    assertThat(resp.statusCode()).isEqualTo(404);
    JsonObject r = log.awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow());
    assertThat(r.getString("error")).isEqualTo("not_found");
    assertThat(r.getValue("route")).isNull();
    assertThat(r.containsKey("upstream")).isFalse();
  }

  @Test
  void bodyTooLargeIsLogged() throws Exception {
    HttpResponse<String> resp =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(gateway.url("/fast/upload")))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))));
    assertThat(resp.statusCode()).isEqualTo(413);
    JsonObject r = log.awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow());
    assertThat(r.getString("error")).isEqualTo("payload_too_large");
    assertThat(r.getString("method")).isEqualTo("POST");
  }

  @Test
  void clientHangUpIsLoggedAs499() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.gateway().port())) {
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /patient/hang?delay=3000 HTTP/1.1\r\nHost: x\r\nX-Request-Id: hang-up-1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Awaitility.await().until(() -> !upstream.received().isEmpty());
    }
    String traceparent = upstream.received().get(0).headers().get("traceparent");
    String traceId = traceparent.split("-")[1];
    JsonObject r = log.awaitTrace(traceId);
    assertThat(r.getInteger("status")).isEqualTo(499);
    assertThat(r.getString("request_id")).isEqualTo("hang-up-1");
    assertThat(r.getString("route")).isEqualTo("patient");
  }

  @Test
  void requestIdIsKeptWhenValidReplacedWhenNotAndMadeWhenAbsent() throws Exception {
    HttpResponse<String> kept = gateway.get("/fast/a", "X-Request-Id", "client-42:a.b_c");
    assertThat(kept.headers().firstValue("X-Request-Id")).hasValue("client-42:a.b_c");
    assertThat(upstream.received().get(0).headers().get("X-Request-Id"))
        .isEqualTo("client-42:a.b_c");
    String keptTrace = kept.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan server =
        receiver.await(s -> s.traceId().equals(keptTrace) && s.kind().equals("SERVER"), 1).get(0);
    assertThat(server.attributes()).containsEntry("tracegate.request_id", "client-42:a.b_c");
    assertThat(log.awaitTrace(keptTrace).getString("request_id")).isEqualTo("client-42:a.b_c");

    upstream.clear();
    HttpResponse<String> replaced = gateway.get("/fast/b", "X-Request-Id", "bad id; with spaces");
    String made = replaced.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(made).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(upstream.received().get(0).headers().get("X-Request-Id")).isEqualTo(made);

    HttpResponse<String> tooLong = gateway.get("/fast/c", "X-Request-Id", "a".repeat(129));
    assertThat(tooLong.headers().firstValue("X-Request-Id").orElseThrow()).hasSize(36);

    HttpResponse<String> absent = gateway.get("/fast/d");
    String fresh = absent.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(fresh).hasSize(36).isNotEqualTo(made);
    assertThat(
            log.awaitTrace(absent.headers().firstValue("X-Trace-Id").orElseThrow())
                .getString("request_id"))
        .isEqualTo(fresh);
  }

  @Test
  void capturedHeadersBecomeServerSpanAttributes() throws Exception {
    HttpResponse<String> resp =
        gateway.get(
            "/fast/h", "X-Tenant", "acme-" + "x".repeat(300), "Authorization", "Bearer s3cr3t");
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan server =
        receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"), 1).get(0);
    assertThat(server.attr("http.request.header.x-tenant"))
        .isEqualTo(java.util.List.of(("acme-" + "x".repeat(300)).substring(0, 256)));
    assertThat(server.attr("http.response.header.x-upstream")).isEqualTo(java.util.List.of("test"));
    assertThat(server.attributes().toString()).doesNotContain("s3cr3t");
  }

  @Test
  void clientSpanNamesItsPeerService() throws Exception {
    HttpResponse<String> resp = gateway.get("/fast/peer");
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan client =
        receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("CLIENT"), 1).get(0);
    assertThat(client.attributes())
        .containsEntry("peer.service", "good")
        .containsEntry("service.peer.name", "good");
  }
}
