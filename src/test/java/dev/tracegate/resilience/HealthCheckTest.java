package dev.tracegate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Active health checks take a dead endpoint out before any request fails on it, and put it back
 * when it answers its checks again.
 */
class HealthCheckTest {
  @Test
  void aDeadEndpointIsOutBeforeARequestFailsAndBackWhenItRecovers() throws Exception {
    Vertx vertx = Vertx.vertx();
    int port = Ports.free();
    AtomicInteger hits = new AtomicInteger();
    HttpServer[] flaky = {listen(vertx, port, hits)};
    String flakyAddress = "127.0.0.1:" + port;
    String healthy =
        "tracegate_upstream_endpoint_healthy{endpoint=\"" + flakyAddress + "\",upstream=\"up\"}";
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream steady = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "upstreams:\n"
                    + "  up:\n"
                    + "    urls: ['http://"
                    + flakyAddress
                    + "', "
                    + steady.url()
                    + "]\n"
                    + "    healthCheck: { path: /health, interval: 200ms, timeout: 500ms, unhealthyAfter: 2, healthyAfter: 2 }\n"
                    + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n",
                receiver)) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> hits.get() >= 2); // its checks pass
      assertThat(Prometheus.value(metrics(gateway), healthy)).isEqualTo(1);

      flaky[0].close().await(5, TimeUnit.SECONDS);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> Prometheus.value(metrics(gateway), healthy) == 0);
      String first = null;
      for (int i = 0; i < 20; i++) {
        var r = gateway.get("/up");
        assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
        first = first == null ? r.headers().firstValue("X-Trace-Id").orElseThrow() : first;
      }
      // the first request after the change carries it as an event on its attempt
      assertThat(receiver.awaitTrace(first, 2))
          .filteredOn(s -> s.kind().equals("CLIENT"))
          .anySatisfy(
              s ->
                  assertThat(s.events())
                      .anyMatch(e -> e.startsWith("endpoint " + flakyAddress + " out")));

      hits.set(0);
      flaky[0] = listen(vertx, port, hits);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> Prometheus.value(metrics(gateway), healthy) == 1);
      int checks = hits.get();
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> {
                gateway.get("/up");
                return hits.get() > checks + 2; // requests, not only checks, reach it again
              });
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
              req.response().putHeader("Content-Type", "application/json").end("{\"ok\":true}");
            })
        .listen(port, "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
  }

  private static String metrics(TestGateway gateway) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics"))))
        .body();
  }
}
