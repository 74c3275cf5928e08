package dev.tracegate.proxy;

import static dev.tracegate.proxy.ProxyTracingTest.only;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tracegate.testing.BlackholePort;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.RawHttp;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every way an upstream can fail ends with the contract's status and key, and a red CLIENT span.
 */
class UpstreamFailureTest {
  static OtlpReceiver receiver;
  static TestUpstream upstream;
  static BlackholePort blackhole;
  static int refusedPort;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
    blackhole = new BlackholePort();
    try (ServerSocket s = new ServerSocket(0)) {
      refusedPort = s.getLocalPort();
    }
    gateway =
        TestGateway.start(
            ""
                // one event loop, so that concurrent requests share one upstream pool
                + "server: { requestTimeout: 3s, maxBodyBytes: 1024, eventLoops: 1 }\n"
                + "upstreams:\n"
                + "  good: { urls: ["
                + upstream.url()
                + "], timeout: 2s, maxConnections: 64 }\n"
                + "  drowsy: { urls: ["
                + upstream.url()
                + "], timeout: 10s, idleTimeout: 400ms }\n"
                + "  single: { urls: ["
                + upstream.url()
                + "], maxConnections: 1, connectTimeout: 200ms }\n"
                + "  refusing: { urls: ['http://127.0.0.1:"
                + refusedPort
                + "'] }\n"
                + "  blackhole: { urls: ['http://127.0.0.1:"
                + blackhole.port()
                + "'], connectTimeout: 300ms }\n"
                + "  flaky: { urls: ['http://127.0.0.1:"
                + refusedPort
                + "', "
                + upstream.url()
                + "] }\n"
                + "routes:\n"
                + "  - { name: fast, path: /fast/*, methods: [GET, POST], proxy: { upstream: good, stripPrefix: /fast, timeout: 300ms } }\n"
                + "  - { name: patient, path: /patient/*, proxy: { upstream: good, stripPrefix: /patient, timeout: 10s } }\n"
                + "  - { name: retried, path: /retried/*, proxy: { upstream: good, stripPrefix: /retried, timeout: 200ms, retries: 2 } }\n"
                + "  - { name: drowsy, path: /drowsy/*, proxy: { upstream: drowsy, stripPrefix: /drowsy } }\n"
                + "  - { name: held, path: /held/*, proxy: { upstream: single, stripPrefix: /held, timeout: 10s } }\n"
                + "  - { name: queued, path: /queued/*, proxy: { upstream: single, stripPrefix: /queued, timeout: 300ms } }\n"
                + "  - { name: refused, path: /refused, proxy: { upstream: refusing } }\n"
                + "  - { name: hole, path: /hole, proxy: { upstream: blackhole } }\n"
                + "  - { name: flaky, path: /flaky, proxy: { upstream: flaky, retries: 1 } }\n",
            receiver);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
    blackhole.close();
    receiver.close();
  }

  private static JsonObject error(HttpResponse<String> resp, int status, String key) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(status);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo(key);
    assertThat(body.getString("traceId"))
        .isEqualTo(resp.headers().firstValue("X-Trace-Id").orElseThrow());
    return body;
  }

  private static List<ReceivedSpan> clientSpans(String traceId, int expected) {
    List<ReceivedSpan> spans = receiver.awaitTrace(traceId, expected + 1);
    ReceivedSpan server = only(spans, "SERVER");
    List<ReceivedSpan> clients =
        spans.stream()
            .filter(s -> s.kind().equals("CLIENT"))
            .sorted(Comparator.comparingLong(ReceivedSpan::startNanos))
            .collect(Collectors.toList());
    assertThat(clients).hasSize(expected).allMatch(c -> c.childOf(server));
    return clients;
  }

  private static ReceivedSpan serverSpan(String traceId) {
    return only(receiver.trace(traceId), "SERVER");
  }

  private static long timed(ThrowingRunnable r) throws Exception {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void slowUpstreamEndsWithUpstreamTimeoutWithinTheRouteTimeout() throws Exception {
    HttpResponse<String>[] resp = new HttpResponse[1];
    long ms = timed(() -> resp[0] = gateway.get("/fast/x?delay=2000"));

    String trace = error(resp[0], 504, "upstream_timeout").getString("traceId");
    assertThat(ms).isBetween(250L, 1500L);
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("timeout");
    assertThat(client.events()).contains("exception");
    // an attempt cut off by its timeout still says where it went, and its request says what it was
    assertThat(client.attr("url.full")).asString().endsWith("/x?delay=2000");
    assertThat(client.attr("tracegate.upstream")).isEqualTo("good");
    assertThat(client.attr("http.request.method")).isEqualTo("GET");
    ReceivedSpan server = serverSpan(trace);
    assertThat(server.isError()).isTrue();
    assertThat(server.attr("url.path")).isEqualTo("/fast/x");
    assertThat(server.attr("http.route")).isEqualTo("/fast/*");
    assertThat(server.attr("tracegate.route")).isEqualTo("fast");
  }

  @Test
  void upstreamThatNeverAnswersEndsWithUpstreamTimeout() throws Exception {
    String trace =
        error(gateway.get("/fast/x?hang=1"), 504, "upstream_timeout").getString("traceId");
    assertThat(clientSpans(trace, 1).get(0).attr("error.type")).isEqualTo("timeout");
  }

  @Test
  void upstreamSilentPastItsIdleTimeoutEndsBeforeTheLongerTimeout() throws Exception {
    HttpResponse<String>[] resp = new HttpResponse[1];
    long ms = timed(() -> resp[0] = gateway.get("/drowsy/x?hang=1"));

    JsonObject body = error(resp[0], 504, "upstream_timeout");
    assertThat(body.getString("message")).contains("idleTimeout");
    assertThat(ms).isBetween(350L, 3000L); // the idleTimeout (400ms), not the timeout (10s)
    ReceivedSpan client = clientSpans(body.getString("traceId"), 1).get(0);
    assertThat(client.attr("error.type")).isEqualTo("timeout");
    assertThat(client.isError()).isTrue();
  }

  @Test
  void refusedConnectionIsUpstreamUnavailable() throws Exception {
    String trace = error(gateway.get("/refused"), 502, "upstream_unavailable").getString("traceId");
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.attr("error.type")).isEqualTo("connection_refused");
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("http.response.status_code")).isNull();
    assertThat(client.attr("server.address")).isEqualTo("127.0.0.1");
    assertThat(client.attr("server.port")).isEqualTo((long) refusedPort);
    assertThat(serverSpan(trace).attr("http.request.method")).isEqualTo("GET");
  }

  @Test
  void portThatAcceptsNoConnectionsIsConnectTimeout() throws Exception {
    HttpResponse<String>[] resp = new HttpResponse[1];
    long ms = timed(() -> resp[0] = gateway.get("/hole"));

    String trace = error(resp[0], 504, "upstream_connect_timeout").getString("traceId");
    assertThat(ms).isBetween(250L, 1500L);
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.attr("error.type")).isEqualTo("connect_timeout");
  }

  @Test
  void requestQueuedBehindABusyConnectionEndsAsConnectTimeoutAndIsNeverSent() throws Exception {
    CompletableFuture<HttpResponse<String>> holder =
        TestGateway.http()
            .sendAsync(
                HttpRequest.newBuilder(URI.create(gateway.url("/held/x?who=holder&delay=1500")))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> upstream.received().stream().anyMatch(r -> r.uri().contains("who=holder")));

    // the upstream's one connection is busy: this waits in the pool for connectTimeout + timeout
    HttpResponse<String>[] resp = new HttpResponse[1];
    long ms = timed(() -> resp[0] = gateway.get("/queued/x?who=queued"));

    String trace = error(resp[0], 504, "upstream_connect_timeout").getString("traceId");
    assertThat(ms).isBetween(450L, 1400L); // 200ms + 300ms, well before the holder's answer
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.attr("error.type")).isEqualTo("connect_timeout");
    assertThat(client.isError()).isTrue();

    // the holder answers; the expired waiter is skipped in the queue and never sent
    assertThat(holder.get(5, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/queued/x?who=after").statusCode()).isEqualTo(200);
    assertThat(upstream.received()).noneMatch(r -> r.uri().contains("who=queued"));
  }

  @Test
  void resetConnectionIsUpstreamUnavailable() throws Exception {
    String trace =
        error(gateway.get("/fast/x?reset=1"), 502, "upstream_unavailable").getString("traceId");
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("connection_closed");
  }

  @Test
  void upstreamServerErrorPassesThroughAndPaintsBothSpansRed() throws Exception {
    HttpResponse<String> resp = gateway.get("/fast/x?status=503");

    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(resp.headers().firstValue("X-Upstream")).hasValue("test");
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("503");
    assertThat(client.attr("http.response.status_code")).isEqualTo(503L);
    assertThat(serverSpan(trace).isError()).isTrue();
  }

  @Test
  void upstreamClientErrorPassesThroughAndLeavesServerSpanUnset() throws Exception {
    HttpResponse<String> resp = gateway.get("/fast/x?status=404");

    assertThat(resp.statusCode()).isEqualTo(404);
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    assertThat(clientSpans(trace, 1).get(0).isError()).isTrue();
    assertThat(serverSpan(trace).isError()).isFalse();
  }

  @Test
  void smallAnswerCutOffMidBodyBecomesACleanBadGateway() throws Exception {
    String trace =
        error(gateway.get("/fast/x?cut=1000"), 502, "upstream_unavailable").getString("traceId");
    assertThat(clientSpans(trace, 1).get(0).isError()).isTrue();
    assertThat(serverSpan(trace).isError()).isTrue();
  }

  @Test
  void streamedAnswerCutOffMidBodyBreaksTheClientResponseAndErrorsTheSpan() throws Exception {
    assertThatThrownBy(() -> gateway.get("/fast/x?cut=1000000"))
        .isInstanceOf(java.io.IOException.class);
    List<ReceivedSpan> clients =
        receiver.await(
            s ->
                s.kind().equals("CLIENT")
                    && String.valueOf(s.attr("url.full")).endsWith("?cut=1000000"),
            1);
    assertThat(clients.get(0).isError()).isTrue();
  }

  @Test
  void requestDeadlineEndsWithDeadlineExceeded() throws Exception {
    HttpResponse<String>[] resp = new HttpResponse[1];
    long ms = timed(() -> resp[0] = gateway.get("/patient/x?delay=6000"));

    String trace = error(resp[0], 504, "deadline_exceeded").getString("traceId");
    assertThat(ms).isBetween(2900L, 4500L);
    ReceivedSpan client = clientSpans(trace, 1).get(0);
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("timeout");
  }

  @Test
  void retriedGetHasOneClientSpanPerAttemptWithResendCount() throws Exception {
    String trace =
        error(gateway.get("/retried/x?delay=1000"), 504, "upstream_timeout").getString("traceId");

    List<ReceivedSpan> attempts = clientSpans(trace, 3);
    assertThat(attempts.get(0).attr("http.request.resend_count")).isNull();
    assertThat(attempts.get(1).attr("http.request.resend_count")).isEqualTo(1L);
    assertThat(attempts.get(2).attr("http.request.resend_count")).isEqualTo(2L);
    assertThat(attempts).allMatch(ReceivedSpan::isError);
  }

  @Test
  void retryAfterRefusedConnectReachesTheHealthyEndpoint() throws Exception {
    // round robin starts at the refusing endpoint for at least one of two requests
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> resp = gateway.get("/flaky");
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    }
  }

  @Test
  void postIsNotRetried() throws Exception {
    HttpResponse<String> resp =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(gateway.url("/fast/x?delay=1000")))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    String trace = error(resp, 504, "upstream_timeout").getString("traceId");
    assertThat(clientSpans(trace, 1)).hasSize(1);
  }

  @Test
  void methodNotAllowedAndBodyTooLarge() throws Exception {
    error(
        TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.url("/patient/x"))).DELETE()),
        405,
        "method_not_allowed");
    error(
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(gateway.url("/fast/x")))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2048)))),
        413,
        "payload_too_large");
  }

  @Test
  void requestBodyAndEndToEndHeadersReachTheUpstreamButHopByHopOnesDoNot() throws Exception {
    upstream.clear();
    String body = "{\"a\":1}";
    String answer =
        RawHttp.exchange(
            gateway.gateway().port(),
            "POST /fast/echo HTTP/1.1\r\n"
                + "Host: 127.0.0.1:"
                + gateway.gateway().port()
                + "\r\n"
                + "X-Custom: kept\r\nX-Drop: gone\r\nConnection: X-Drop\r\nConnection: close\r\n"
                + "Content-Length: "
                + body.length()
                + "\r\n\r\n"
                + body);

    assertThat(answer).startsWith("HTTP/1.1 200").contains("\"body\":\"{\\\"a\\\":1}\"");
    var headers = upstream.received().get(0).headers();
    assertThat(headers.get("X-Custom")).isEqualTo("kept");
    assertThat(headers.get("X-Drop")).isNull();
    assertThat(headers.get("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(headers.get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + gateway.gateway().port());
    assertThat(headers.get("X-Forwarded-Proto")).isEqualTo("http");
  }

  @Test
  void thousandRequestsWithAThirdTimingOutLeaveNoSpanOrConnectionBehind() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String path = i % 3 == 0 ? "/fast/t?delay=1000" : "/fast/t";
      calls.add(
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gateway.url(path))).build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    int timeouts = 0;
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      int status = c.get().statusCode();
      assertThat(status).isIn(200, 504);
      timeouts += status == 504 ? 1 : 0;
    }
    assertThat(timeouts).isGreaterThanOrEqualTo(333);
    gateway.awaitNoOpenSpans();
    assertThat(gateway.gateway().admission().inFlight()).isZero();
    // the pool never grew past its bound, and timed-out exchanges did not strand connections
    assertThat(upstream.openConnections()).isLessThanOrEqualTo(64);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> gateway.get("/fast/after").statusCode() == 200);
  }
}
