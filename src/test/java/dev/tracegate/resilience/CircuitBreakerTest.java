package dev.tracegate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream failing past the circuit's ratio: the circuit opens (an event on the attempt that
 * tipped it, a metric, a log line), requests answer {@code 503 upstream_unavailable} with {@code
 * error.type=circuit_open} without trying the upstream; after {@code openFor} one probe goes
 * through, and its success closes the circuit.
 */
class CircuitBreakerTest {
  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams:\n"
                  + "  up:\n"
                  + "    urls: ["
                  + url
                  + "]\n"
                  + "    circuitBreaker: { failureRatio: 0.5, minRequests: 6, window: 10s, openFor: 400ms }\n"
                  + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n");

  private static String metrics() throws Exception {
    return TestGateway.send(
            HttpRequest.newBuilder(URI.create(harness.gateway().adminUrl("/metrics"))))
        .body();
  }

  @Test
  void aFailingUpstreamOpensTheCircuitAndARecoveredOneClosesIt() throws Exception {
    for (int i = 0; i < 2; i++) {
      assertThat(harness.gateway().get("/up").statusCode()).isEqualTo(200);
    }
    // failures until the ratio is reached over at least minRequests: 2 ok + 4 failed = 6, ratio
    // 0.67
    String tipped = null;
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> failed = harness.gateway().get("/up?status=503");
      assertThat(failed.statusCode()).isEqualTo(503);
      tipped = failed.headers().firstValue("X-Trace-Id").orElseThrow();
    }
    assertThat(Prometheus.value(metrics(), "tracegate_circuit_state{upstream=\"up\"}"))
        .isEqualTo(2);
    ReceivedSpan tipping = clientOf(tipped);
    assertThat(tipping.events()).anyMatch(e -> e.startsWith("circuit open"));

    int before = harness.upstream().received().size();
    HttpResponse<String> refused = harness.gateway().get("/up");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("upstream_unavailable");
    assertThat(harness.upstream().received()).hasSize(before);
    List<ReceivedSpan> refusedTrace =
        harness.receiver().awaitTrace(refused.headers().firstValue("X-Trace-Id").orElseThrow(), 1);
    ReceivedSpan server =
        refusedTrace.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
    assertThat(server.isError()).isTrue();
    assertThat(server.attr("error.type")).isEqualTo("circuit_open");
    assertThat(refusedTrace)
        .noneMatch(s -> s.kind().equals("CLIENT")); // not tried: no attempt, no CLIENT span

    // after openFor one probe goes through; the upstream answers it, and the circuit closes
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> harness.gateway().get("/up").statusCode() == 200);
    assertThat(Prometheus.value(metrics(), "tracegate_circuit_state{upstream=\"up\"}"))
        .isEqualTo(0);
    assertThat(
            Prometheus.value(
                metrics(),
                "tracegate_circuit_transitions_total{state=\"half_open\",upstream=\"up\"}"))
        .isEqualTo(1);
    assertThat(
            Prometheus.value(
                metrics(), "tracegate_circuit_transitions_total{state=\"closed\",upstream=\"up\"}"))
        .isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      assertThat(harness.gateway().get("/up").statusCode()).isEqualTo(200);
    }
  }

  private static ReceivedSpan clientOf(String traceId) {
    return harness.receiver().awaitTrace(traceId, 2).stream()
        .filter(s -> s.kind().equals("CLIENT"))
        .findFirst()
        .orElseThrow();
  }
}
