package dev.tracegate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.RawHttp;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Overload, oversized input, slowloris, malformed HTTP and path tricks, over real sockets. */
class HostileClientTest {

  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              ""
                  + "server: { maxInFlight: 20, maxBodyBytes: 65536, headerTimeout: 1s }\n"
                  + "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes:\n"
                  + "  - { name: api, path: /api/*, methods: [GET, POST], proxy: { upstream: up, stripPrefix: /api } }\n");

  private static String key(String rawResponse) {
    String body = rawResponse.substring(rawResponse.indexOf("\r\n\r\n") + 4);
    return new JsonObject(body).getString("error");
  }

  @Test
  void overloadShedsAtOnceWhileEveryAdmittedRequestSucceeds() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    List<Long> started = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      started.add(System.nanoTime());
      calls.add(
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(harness.gateway().url("/api/x?delay=800")))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int shed = 0;
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> resp = c.get();
      if (resp.statusCode() == 200) {
        ok++;
      } else {
        assertThat(resp.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("overloaded");
        shed++;
      }
    }
    assertThat(ok).isBetween(1, 20);
    assertThat(shed).isGreaterThan(0);
    assertThat(ok + shed).isEqualTo(60);
    assertThat(harness.upstream().received()).hasSize(ok);
    String metrics =
        TestGateway.send(HttpRequest.newBuilder(URI.create(harness.gateway().adminUrl("/metrics"))))
            .body();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "tracegate_requests_seconds_count\\{method=\"GET\",route=\"api\",status=\"503\"} (\\d+)")
            .matcher(metrics);
    assertThat(m.find())
        .as(
            String.join(
                "\n",
                metrics
                    .lines()
                    .filter(l -> l.startsWith("tracegate_requests_seconds_count"))
                    .toList()))
        .isTrue();
    assertThat(Long.parseLong(m.group(1))).isGreaterThanOrEqualTo(shed);
  }

  @Test
  void overloadAnswerIsImmediate() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      busy.add(
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(harness.gateway().url("/api/x?delay=1500")))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> harness.gateway().gateway().admission().inFlight() >= 20);
    long t0 = System.nanoTime();
    HttpResponse<String> resp = harness.gateway().get("/api/y");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(ms).as("shed without waiting for capacity").isLessThan(500);
    for (CompletableFuture<HttpResponse<String>> b : busy) {
      assertThat(b.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void bodyOverTheLimitIsRefusedWithContentLengthAndChunked() throws Exception {
    HttpResponse<String> declared =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(harness.gateway().url("/api/upload")))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(200 * 1024))));
    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(declared.body()).getString("error")).isEqualTo("payload_too_large");

    StringBuilder chunked =
        new StringBuilder(
            "POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    String chunk = "y".repeat(8192);
    for (int i = 0; i < 25; i++) {
      chunked
          .append(Integer.toHexString(chunk.length()))
          .append("\r\n")
          .append(chunk)
          .append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    String answer = RawHttp.exchange(harness.gateway().gateway().port(), chunked.toString());
    assertThat(answer).startsWith("HTTP/1.1 413");
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void bodyWithinTheLimitStreamsThroughWhole() throws Exception {
    String body = "b".repeat(60 * 1024);
    HttpResponse<String> resp =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(harness.gateway().url("/api/upload")))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(harness.upstream().received().get(0).body()).isEqualTo(body);
    assertThat(harness.upstream().received().get(0).headers().get("Content-Length"))
        .isEqualTo(Integer.toString(body.length()));
  }

  @Test
  void hugeHeaderIsRefusedWithJsonAndTraceId() throws Exception {
    String answer =
        RawHttp.exchange(
            harness.gateway().gateway().port(),
            "GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + "z".repeat(70 * 1024) + "\r\n\r\n");
    assertThat(answer).matches("(?s)HTTP/1.1 (431|400) .*");
    assertThat(answer.toLowerCase()).containsPattern("x-trace-id: [0-9a-f]{32}");
    assertThat(key(answer)).isIn("headers_too_large", "bad_request");
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void malformedRequestIsBadRequestAndTheServerCarriesOn() throws Exception {
    String answer =
        RawHttp.exchange(harness.gateway().gateway().port(), "THIS IS NOT HTTP\r\n\r\n");
    assertThat(answer).matches("(?s)HTTP/1\\.[01] 400 .*");
    assertThat(key(answer)).isEqualTo("bad_request");
    assertThat(harness.gateway().get("/api/ok").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/../admin",
        "/api/a/../../etc",
        "/api/%2e%2e/admin",
        "/api/a%2Fb",
        "/api/a%00b",
        "/api/a%5c..%5cb",
        "/api/./x"
      })
  void pathTricksNeverReachTheUpstream(String path) throws Exception {
    String answer =
        RawHttp.exchange(
            harness.gateway().gateway().port(),
            "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400");
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void slowlorisConnectionsNeitherBlockOthersNorStayOpen() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        Socket s = new Socket("127.0.0.1", harness.gateway().gateway().port());
        OutputStream out = s.getOutputStream();
        out.write("GET /api/x HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slow.add(s);
      }
      long t0 = System.nanoTime();
      assertThat(harness.gateway().get("/api/normal").statusCode()).isEqualTo(200);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);

      // the header timeout (1 s here) closes them: a read sees the end of the stream
      for (Socket s : slow.subList(0, 5)) {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(-1);
      }
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  @Test
  void aKeptAliveConnectionLeftSilentIsClosedAfterTheHeaderTimeout() throws Exception {
    try (Socket s = new Socket("127.0.0.1", harness.gateway().gateway().port())) {
      InputStream in = answerFirstRequest(s);

      // nothing more is sent: the wait for the next head is bounded by headerTimeout (1 s here)
      long t0 = System.nanoTime();
      assertThat(in.read()).as("the gateway closed the idle connection").isEqualTo(-1);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
    }
  }

  /**
   * Sends one GET on {@code s} and reads its 200 answer whole, leaving the connection kept alive.
   */
  private static InputStream answerFirstRequest(Socket s) throws Exception {
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    out.write("GET /api/first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String first = readHead(in);
    assertThat(first).startsWith("HTTP/1.1 200");
    long length =
        Long.parseLong(
            first
                .lines()
                .filter(l -> l.toLowerCase().startsWith("content-length:"))
                .findFirst()
                .orElseThrow()
                .substring("content-length:".length())
                .trim());
    in.readNBytes((int) length);
    return in;
  }

  @Test
  void aSecondRequestHeadTrickledOnAKeptAliveConnectionIsCutOffToo() throws Exception {
    try (Socket s = new Socket("127.0.0.1", harness.gateway().gateway().port())) {
      InputStream in = answerFirstRequest(s);
      OutputStream out = s.getOutputStream();

      // the next head, a byte every 200 ms: an idle timer, reset by every byte, would never fire
      long t0 = System.nanoTime();
      byte[] head =
          "GET /api/second HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              .getBytes(StandardCharsets.US_ASCII);
      boolean closed = false;
      for (byte b : head) {
        try {
          out.write(b);
          out.flush();
        } catch (java.io.IOException e) {
          closed = true;
          break;
        }
        // pacing the attack, not waiting for a condition
        Thread.sleep(200);
        if (s.getInputStream().available() > 0 || (System.nanoTime() - t0) / 1_000_000 > 3000) {
          break;
        }
      }
      if (!closed) {
        assertThat(in.read()).as("the gateway closed the connection").isEqualTo(-1);
      }
      // the header timeout is 1 s here: the gateway let go within a couple of seconds, not 6
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(4000);
    }
  }

  private static String readHead(InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}
