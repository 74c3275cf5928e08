package dev.tracegate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** An upstream endpoint dies and comes back: it is skipped meanwhile and served again afterwards. */
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
         TestGateway gateway = TestGateway.start(""
             + "upstreams: { pair: { urls: ['http://127.0.0.1:" + portA + "', 'http://127.0.0.1:" + b.actualPort() + "'] } }\n"
             + "routes: [ { name: pair, path: /p, proxy: { upstream: pair, retries: 1 } } ]\n", receiver)) {
      for (int i = 0; i < 10; i++) {
        assertThat(gateway.get("/p").statusCode()).isEqualTo(200);
      }
      assertThat(hitsA.get()).isGreaterThan(0);
      assertThat(hitsB.get()).isGreaterThan(0);

      a.close().await(5, TimeUnit.SECONDS);
      for (int i = 0; i < 20; i++) {
        assertThat(gateway.get("/p").statusCode()).as("retried on the live endpoint").isEqualTo(200);
      }

      hitsA.set(0);
      listen(vertx, portA, hitsA);
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
        gateway.get("/p");
        return hitsA.get() > 0;
      });
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static HttpServer listen(Vertx vertx, int port, AtomicInteger hits) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      hits.incrementAndGet();
      req.response().end("ok");
    }).listen(port, "127.0.0.1").await(5, TimeUnit.SECONDS);
  }
}
