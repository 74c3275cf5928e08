package dev.tracegate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * One of two endpoints answering 5xx: after {@code consecutiveFailures} it is ejected (an event on
 * the attempt, a metric, a log line) and receives no traffic while its ejection lasts; then it is
 * tried again, and once it answers it is back.
 */
class OutlierDetectionTest {
  @Test
  void aFailingEndpointIsEjectedThenTriedAgainAndRestored() throws Exception {
    Vertx vertx = Vertx.vertx();
    AtomicInteger badHits = new AtomicInteger();
    AtomicBoolean failing = new AtomicBoolean(true);
    HttpServer bad =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  badHits.incrementAndGet();
                  req.response()
                      .setStatusCode(failing.get() ? 503 : 200)
                      .end(failing.get() ? "down" : "{\"ok\":true}");
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    String badAddress = "127.0.0.1:" + bad.actualPort();
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream good = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "upstreams:\n"
                    + "  up:\n"
                    + "    urls: ['http://"
                    + badAddress
                    + "', "
                    + good.url()
                    + "]\n"
                    + "    outlierDetection: { consecutiveFailures: 3, baseEjection: 3s, maxEjectedPercent: 50 }\n"
                    + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n",
                receiver)) {
      String ejectedBy = null;
      while (badHits.get() < 3) {
        HttpResponse<String> r = gateway.get("/up");
        if (r.statusCode() == 503) {
          ejectedBy = r.headers().firstValue("X-Trace-Id").orElseThrow();
        }
      }
      String metrics = admin(gateway, "/metrics");
      assertThat(
              Prometheus.value(
                  metrics,
                  "tracegate_upstream_endpoint_healthy{endpoint=\""
                      + badAddress
                      + "\",upstream=\"up\"}"))
          .isEqualTo(0);
      ReceivedSpan tipping =
          receiver.awaitTrace(ejectedBy, 2).stream()
              .filter(s -> s.kind().equals("CLIENT"))
              .findFirst()
              .orElseThrow();
      assertThat(tipping.events())
          .anyMatch(e -> e.startsWith("endpoint " + badAddress + " ejected for 3000 ms"));

      // while it is out, every request goes to the other endpoint and succeeds
      for (int i = 0; i < 20; i++) {
        assertThat(gateway.get("/up").statusCode()).isEqualTo(200);
      }
      assertThat(badHits.get()).isEqualTo(3);

      // it recovers; when its ejection is over it is tried again and is back in
      failing.set(false);
      String[] restoredBy = new String[1];
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                HttpResponse<String> r = gateway.get("/up");
                if (badHits.get() > 3) {
                  restoredBy[0] = r.headers().firstValue("X-Trace-Id").orElseThrow();
                  return true;
                }
                return false;
              });
      assertThat(
              Prometheus.value(
                  admin(gateway, "/metrics"),
                  "tracegate_upstream_endpoint_healthy{endpoint=\""
                      + badAddress
                      + "\",upstream=\"up\"}"))
          .isEqualTo(1);
      assertThat(receiver.awaitTrace(restoredBy[0], 2))
          .filteredOn(s -> s.kind().equals("CLIENT"))
          .anySatisfy(s -> assertThat(s.events()).contains("endpoint " + badAddress + " restored"));
      assertThat(
              Prometheus.value(
                  admin(gateway, "/metrics"),
                  "tracegate_upstream_endpoint_changes_total{change=\"restored\","
                      + "endpoint=\""
                      + badAddress
                      + "\",upstream=\"up\"}"))
          .isEqualTo(1);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static String admin(TestGateway gateway, String path) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl(path)))).body();
  }
}
