package dev.tracegate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An upstream endpoint dies and comes back: it is skipped meanwhile and served again afterwards; a
 * connection that closes before any answer sends an idempotent request to the other endpoint.
 */
class UpstreamRecoveryTest {
  @Test
  void deadEndpointIsEjectedThenReadmittedWhenItReturns() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger hitsA = new AtomicInteger();
    AtomicInteger hitsB = new AtomicInteger();
    int portA;
    try (ServerSocket s = new ServerSocket(0)) {
      portA = s.getLocalPort();
    }
    HttpServer a = listen(vertx, portA, hitsA);
    HttpServer b = listen(vertx, 0, hitsB);
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "upstreams: { pair: { urls: ['http://127.0.0.1:"
                    + portA
                    + "', 'http://127.0.0.1:"
                    + b.actualPort()
                    + "'] } }\n"
                    + "routes: [ { name: pair, path: /p, proxy: { upstream: pair, retries: 1 } } ]\n",
                receiver)) {
      for (int i = 0; i < 10; i++) {
        assertThat(gateway.get("/p").statusCode()).isEqualTo(200);
      }
      assertThat(hitsA.get()).isGreaterThan(0);
      assertThat(hitsB.get()).isGreaterThan(0);

      a.close().await(5, TimeUnit.SECONDS);
      for (int i = 0; i < 20; i++) {
        assertThat(gateway.get("/p").statusCode())
            .as("retried on the live endpoint")
            .isEqualTo(200);
      }

      hitsA.set(0);
      listen(vertx, portA, hitsA);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                gateway.get("/p");
                return hitsA.get() > 0;
              });
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void connectionClosedBeforeAnyAnswerIsRetriedOnTheOtherEndpoint() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger hits = new AtomicInteger();
    // accepts, reads the request, closes without a byte of answer: as a restarting upstream does
    NetServer closer =
        vertx
            .createNetServer()
            .connectHandler(so -> so.handler(data -> so.close()))
            .listen(0, "127.0.0.1")
            .await(5, TimeUnit.SECONDS);
    HttpServer live = listen(vertx, 0, hits);
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "upstreams: { pair: { urls: ['http://127.0.0.1:"
                    + closer.actualPort()
                    + "', 'http://127.0.0.1:"
                    + live.actualPort()
                    + "'] } }\n"
                    + "routes: [ { name: pair, path: /p, proxy: { upstream: pair, retries: 1 } } ]\n",
                receiver)) {
      List<String> traces = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> resp = gateway.get("/p");
        assertThat(resp.statusCode()).as("answered by the live endpoint").isEqualTo(200);
        traces.add(resp.headers().firstValue("X-Trace-Id").orElseThrow());
      }
      // round robin sends at least one of the four to the closing endpoint first
      String retried =
          receiver
              .await(
                  sp ->
                      traces.contains(sp.traceId())
                          && "connection_closed".equals(sp.attr("error.type")),
                  1)
              .get(0)
              .traceId();
      List<ReceivedSpan> clients =
          receiver.awaitTrace(retried, 3).stream()
              .filter(sp -> sp.kind().equals("CLIENT"))
              .sorted(Comparator.comparingLong(ReceivedSpan::startNanos))
              .toList();
      assertThat(clients).hasSize(2);
      assertThat(clients.get(0).isError()).isTrue();
      assertThat(clients.get(1).isError()).isFalse();
      assertThat(clients.get(1).attr("http.request.resend_count")).isEqualTo(1L);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static HttpServer listen(Vertx vertx, int port, AtomicInteger hits) throws Exception {
    return vertx
        .createHttpServer()
        .requestHandler(
            req -> {
              hits.incrementAndGet();
              req.response().end("ok");
            })
        .listen(port, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
  }
}
