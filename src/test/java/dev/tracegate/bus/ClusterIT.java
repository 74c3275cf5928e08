package dev.tracegate.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayProcess;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real two-JVM Vert.x cluster on loopback: the gateway and {@code demo-service pricing --cluster}
 * join through Hazelcast's TCP/IP discovery, and one request's trace crosses both processes:
 * gateway PRODUCER -> the pricing process's CONSUMER -> its SQL span.
 */
class ClusterIT {
  @TempDir Path dir;

  @Test
  void oneTraceCrossesBothProcesses() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      Path config = dir.resolve("gateway.yaml");
      Files.writeString(
          config,
          "server: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\n"
              + "eventBus: { cluster: true, host: 127.0.0.1, members: [127.0.0.1] }\n"
              + "routes: [ { name: price, path: /api/price/:sku, bus: { address: shop.pricing, timeout: 2s } } ]\n");
      Map<String, String> env =
          Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "100",
              "TRACEGATE_DATABASE_URL",
              TestDatabase.url());
      try (GatewayProcess gateway = GatewayProcess.start(env, "--config", config.toString())) {
        int port = gateway.awaitReady()[0];
        try (GatewayProcess pricing =
            GatewayProcess.start(env, "demo-service", "pricing", "--cluster")) {
          crossProcessTrace(receiver, gateway, pricing, port);
        }
      }
    }
  }

  private static void crossProcessTrace(
      OtlpReceiver receiver, GatewayProcess gateway, GatewayProcess pricing, int port)
      throws Exception {
    {
      {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
        // the consumer's registration reaches the gateway once both have joined: until then 503
        // bus_unavailable
        try {
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> {
                    answer.set(
                        http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/api/price/ESP-1"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                            HttpResponse.BodyHandlers.ofString()));
                    return answer.get().statusCode() == 200;
                  });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(
              "no 200 from the clustered consumer; last answer "
                  + answer.get().statusCode()
                  + " "
                  + answer.get().body()
                  + "\ngateway:\n"
                  + String.join("\n", gateway.output())
                  + "\npricing:\n"
                  + String.join("\n", pricing.output()),
              e);
        }
        assertThat(answer.get().body()).contains("\"service\":\"pricing\"");
        String traceId = answer.get().headers().firstValue("X-Trace-Id").orElseThrow();

        List<ReceivedSpan> spans = receiver.awaitTrace(traceId, 4);
        ReceivedSpan producer =
            spans.stream()
                .filter(s -> s.service().equals("tracegate") && s.kind().equals("PRODUCER"))
                .findFirst()
                .orElseThrow();
        ReceivedSpan consumer =
            spans.stream()
                .filter(s -> s.service().equals("pricing") && s.kind().equals("CONSUMER"))
                .findFirst()
                .orElseThrow();
        assertThat(consumer.childOf(producer))
            .as("the other process's CONSUMER under the gateway's PRODUCER")
            .isTrue();
        assertThat(spans)
            .anyMatch(
                s ->
                    s.service().equals("pricing")
                        && s.kind().equals("CLIENT")
                        && s.childOf(consumer));
        assertThat(spans).as("one span per hop").hasSize(4);

        pricing.terminate();
        gateway.terminate();
        assertThat(pricing.awaitExit(Duration.ofSeconds(30))).isZero();
        assertThat(gateway.awaitExit(Duration.ofSeconds(30))).isZero();
      }
    }
  }
}
