package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.LogLines;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * An upstream that answers {@code 101 Switching Protocols} (and then speaks something else on the
 * connection) gets no tunnel through the gateway: no route is a WebSocket route, so the answer is
 * an upstream error, and none of the bytes after it reach the client.
 */
class SwitchingProtocolsTest {
  @Test
  void anUpstreamsSwitchingProtocolsIsAnUpstreamError() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        OtlpReceiver receiver = new OtlpReceiver();
        LogLines logs = new LogLines()) {
      Thread server =
          new Thread(
              () -> {
                while (!upstream.isClosed()) {
                  try (Socket s = upstream.accept()) {
                    readHead(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write(
                        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: tunnel\r\nConnection: Upgrade\r\n\r\n"
                                + "SECRET-TUNNEL-BYTES")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.getInputStream()
                        .read(); // hold the connection until the gateway lets go of it
                  } catch (Exception e) {
                    // closed by the test, or by the gateway
                  }
                }
              });
      server.setDaemon(true);
      server.start();
      try (TestGateway gateway =
          TestGateway.start(
              ""
                  + "upstreams: { up: { urls: ['http://127.0.0.1:"
                  + upstream.getLocalPort()
                  + "'], timeout: 2s } }\n"
                  + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n",
              receiver)) {
        HttpResponse<String> resp = gateway.get("/up");

        assertThat(resp.statusCode()).isEqualTo(502);
        assertThat(new JsonObject(resp.body()).getString("error"))
            .isEqualTo("upstream_unavailable");
        assertThat(resp.body()).doesNotContain("SECRET-TUNNEL-BYTES");
        ReceivedSpan client =
            receiver.awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow(), 2).stream()
                .filter(s -> s.kind().equals("CLIENT"))
                .findFirst()
                .orElseThrow();
        assertThat(client.isError()).isTrue();
        assertThat(client.attr("error.type")).isEqualTo("101");
        // the gateway resets that exchange itself: no "unhandled" stream reset in its log
        assertThat(logs.errors()).noneMatch(e -> e.contains("Stream reset"));
      }
    }
  }

  private static void readHead(InputStream in) throws Exception {
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
    }
  }
}
