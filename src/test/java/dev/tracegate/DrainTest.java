package dev.tracegate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping drains without dropping anyone: while a request is still in flight, every request that
 * reaches the gateway — on an idle kept-alive connection, pipelined behind the slow one, or whose
 * head was half sent before the stop — is answered {@code 503 shutting_down} with {@code
 * Connection: close}, and every answer has its access record.
 */
class DrainTest {
  @TempDir Path dir;

  @Test
  void everyRequestThatArrivesWhileDrainingIsAnsweredShuttingDownAndLogged() throws Exception {
    Path accessLog = dir.resolve("access.log");
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream()) {
      TestGateway gw =
          TestGateway.start(
              "server: { shutdownGrace: 10s }\n"
                  + "upstreams:\n  up: { urls: ["
                  + upstream.url()
                  + "], timeout: 10s }\n"
                  + "routes:\n  - { name: up, path: /up, proxy: { upstream: up } }\n",
              receiver,
              Map.of(
                  "TRACEGATE_ACCESS_LOG_ENABLED",
                  "true",
                  "TRACEGATE_ACCESS_LOG_OUTPUT",
                  accessLog.toString()));
      int port = gw.gateway().port();
      try (Socket slow = new Socket("127.0.0.1", port);
          Socket idle = new Socket("127.0.0.1", port);
          Socket halfHead = new Socket("127.0.0.1", port)) {
        for (Socket s : List.of(slow, idle, halfHead)) {
          s.setSoTimeout(15_000);
        }
        send(idle, "GET /up HTTP/1.1\r\nHost: gw\r\n\r\n");
        assertThat(read(idle).status).isEqualTo(200);
        // a slow request with a second one pipelined behind it
        send(
            slow,
            "GET /up?delay=1500 HTTP/1.1\r\nHost: gw\r\n\r\nGET /up HTTP/1.1\r\nHost: gw\r\n\r\n");
        send(halfHead, "GET /up HTTP/1.1\r\nHost: gw\r\n");
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> upstream.received().size() == 2);

        CompletableFuture<Void> stopped = gw.gateway().stop();
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> gw.gateway().admission().draining());

        send(idle, "GET /up HTTP/1.1\r\nHost: gw\r\n\r\n");
        Response onIdle = read(idle);
        send(halfHead, "\r\n");
        Response onHalfHead = read(halfHead);
        Response first = read(slow);
        Response pipelined = read(slow);

        assertThat(first.status).as("the request in flight finishes").isEqualTo(200);
        for (Response r : List.of(onIdle, onHalfHead, pipelined)) {
          assertThat(r.status).isEqualTo(503);
          assertThat(new JsonObject(r.body).getString("error")).isEqualTo("shutting_down");
          assertThat(r.headers).containsEntry("connection", "close");
        }
        assertThat(upstream.received()).as("nothing more reached the upstream").hasSize(2);
        stopped.get(30, TimeUnit.SECONDS);

        List<JsonObject> records = new ArrayList<>();
        for (String line : Files.readAllLines(accessLog)) {
          records.add(new JsonObject(line));
        }
        assertThat(records)
            .extracting(r -> r.getInteger("status") + " " + r.getString("error"))
            .containsExactlyInAnyOrder(
                "200 null",
                "200 null",
                "503 shutting_down",
                "503 shutting_down",
                "503 shutting_down");
      } finally {
        gw.close();
      }
    }
  }

  private record Response(int status, Map<String, String> headers, String body) {}

  private static void send(Socket s, String bytes) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(bytes.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One HTTP/1.1 response with a Content-Length body, read off the socket. */
  private static Response read(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    String statusLine = line(in);
    assertThat(statusLine).as("a status line, not a closed connection").startsWith("HTTP/1.1 ");
    Map<String, String> headers = new TreeMap<>();
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
    return new Response(
        Integer.parseInt(statusLine.substring(9, 12)),
        headers,
        new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return out.toString(StandardCharsets.US_ASCII);
      }
      if (c != '\r') {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.US_ASCII);
  }
}
