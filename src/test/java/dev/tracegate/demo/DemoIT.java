package dev.tracegate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayProcess;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.ReceivedSpan;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * `tracegate demo` as a newcomer runs it: every URL the banner prints answers as the README says.
 */
class DemoIT {
  private static final Pattern TRY =
      Pattern.compile("^\\s+(\\w[\\w ]*?)\\s+curl -i '?(http://[^' ]+)'?");

  @Test
  void everyPrintedUrlAnswersAsDocumentedAndTracesCrossServices() throws Exception {
    String catalogB = "http://127.0.0.1:" + Ports.free();
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      // no database URL: the demo starts its embedded PostgreSQL, exactly as the README's first
      // command
      Map<String, String> env =
          Map.of(
              "TRACEGATE_SERVER_PORT",
              "0",
              "TRACEGATE_ADMIN_PORT",
              "0",
              "TRACEGATE_UPSTREAMS_ORDERS_URLS",
              "http://127.0.0.1:" + Ports.free(),
              "TRACEGATE_UPSTREAMS_SHIPPING_URLS",
              "http://127.0.0.1:" + Ports.free(),
              "TRACEGATE_UPSTREAMS_LAB_URLS",
              "http://127.0.0.1:" + Ports.free(),
              "TRACEGATE_UPSTREAMS_CATALOG_URLS",
              "http://127.0.0.1:" + Ports.free() + "," + catalogB,
              "TRACEGATE_TELEMETRY_LINKAGE_SETTLE",
              "300ms",
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "100");
      try (GatewayProcess demo = GatewayProcess.start(env, "demo")) {
        int[] ports = demo.awaitReady();
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    demo.output().stream()
                        .anyMatch(l -> l.startsWith("Every response carries X-Trace-Id")));
        Map<String, String> urls = new LinkedHashMap<>();
        for (String line : demo.output()) {
          Matcher m = TRY.matcher(line);
          if (m.find()) {
            urls.put(m.group(1).trim(), m.group(2));
          }
        }
        assertThat(urls)
            .containsOnlyKeys(
                "proxy",
                "sql",
                "compose",
                "timeout",
                "error",
                "slow query",
                "bus",
                "bus timeout",
                "bus error",
                "mixed");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, Integer> expected =
            Map.of(
                "proxy",
                200,
                "sql",
                200,
                "compose",
                200,
                "timeout",
                504,
                "error",
                503,
                "slow query",
                504,
                "bus",
                200,
                "bus timeout",
                504,
                "bus error",
                502,
                "mixed",
                200);
        Map<String, String> traces = new LinkedHashMap<>();
        for (var e : urls.entrySet()) {
          HttpResponse<String> resp =
              http.send(
                  HttpRequest.newBuilder(URI.create(e.getValue())).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(resp.statusCode())
              .as(e.getKey() + " " + e.getValue() + " -> " + resp.body())
              .isEqualTo(expected.get(e.getKey()));
          traces.put(e.getKey(), resp.headers().firstValue("X-Trace-Id").orElseThrow());
        }

        // gateway -> orders service -> database, one trace, three services' worth of linkage
        List<ReceivedSpan> proxy = receiver.awaitTrace(traces.get("proxy"), 4);
        ReceivedSpan client =
            proxy.stream()
                .filter(s -> s.service().equals("tracegate") && s.kind().equals("CLIENT"))
                .findFirst()
                .orElseThrow();
        ReceivedSpan ordersServer =
            proxy.stream()
                .filter(s -> s.service().equals("orders") && s.kind().equals("SERVER"))
                .findFirst()
                .orElseThrow();
        assertThat(ordersServer.childOf(client)).isTrue();
        assertThat(proxy)
            .anyMatch(
                s ->
                    s.service().equals("orders")
                        && s.kind().equals("CLIENT")
                        && s.childOf(ordersServer));

        List<ReceivedSpan> compose = receiver.awaitTrace(traces.get("compose"), 10);
        assertThat(compose)
            .extracting(ReceivedSpan::service)
            .contains("tracegate", "orders", "shipping");
        assertThat(receiver.awaitTrace(traces.get("slow query"), 2))
            .anyMatch(
                s ->
                    s.kind().equals("CLIENT")
                        && s.isError()
                        && "timeout".equals(s.attr("error.type")));

        // the bus: gateway PRODUCER -> pricing CONSUMER -> its SQL span, after a worker hop
        List<ReceivedSpan> bus = receiver.awaitTrace(traces.get("bus"), 4);
        ReceivedSpan producer =
            bus.stream().filter(s -> s.kind().equals("PRODUCER")).findFirst().orElseThrow();
        ReceivedSpan consumer =
            bus.stream()
                .filter(s -> s.service().equals("pricing") && s.kind().equals("CONSUMER"))
                .findFirst()
                .orElseThrow();
        assertThat(consumer.childOf(producer)).isTrue();
        assertThat(bus)
            .anyMatch(
                s ->
                    s.service().equals("pricing")
                        && s.name().equals("SELECT stock")
                        && s.childOf(consumer));
        assertThat(receiver.awaitTrace(traces.get("mixed"), 8))
            .extracting(ReceivedSpan::service)
            .contains("tracegate", "orders", "pricing");

        // publish: 202 at once, the inventory consumer linked to the producer
        HttpResponse<String> restock =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(urls.get("proxy").replace("/api/orders/1", "/api/restock")))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"JUG-3\",\"qty\":5}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(restock.statusCode()).isEqualTo(202);
        String restockTrace = restock.headers().firstValue("X-Trace-Id").orElseThrow();
        ReceivedSpan inventory =
            receiver
                .await(
                    s ->
                        s.traceId().equals(restockTrace)
                            && s.service().equals("inventory")
                            && s.kind().equals("CONSUMER"),
                    1)
                .get(0);
        assertThat(inventory.links()).isNotEmpty();

        // the linkage lab is wired: its index lists the mistakes, and a broken one shows in
        // /linkage
        String gatewayUrl = urls.get("proxy").replace("/api/orders/1", "");
        HttpResponse<String> lab =
            http.send(
                HttpRequest.newBuilder(URI.create(gatewayUrl + "/lab/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(lab.statusCode()).isEqualTo(200);
        assertThat(lab.body()).contains("/lab/early-end/broken", "outlived_parent");
        assertThat(
                http.send(
                        HttpRequest.newBuilder(URI.create(gatewayUrl + "/lab/early-end/broken"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode())
            .isEqualTo(200);
        URI linkage = URI.create("http://127.0.0.1:" + ports[1] + "/linkage");
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    new JsonObject(
                                http.send(
                                        HttpRequest.newBuilder(linkage).build(),
                                        HttpResponse.BodyHandlers.ofString())
                                    .body())
                            .getJsonObject("kinds")
                            .getJsonObject("outlived_parent")
                            .getLong("count")
                        >= 1);

        // resilience: the second catalog instance fails; after three failures it is ejected
        http.send(
            HttpRequest.newBuilder(URI.create(catalogB + "/chaos/on"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
        List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
          statuses.add(
              http.send(
                      HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/catalog/1")).build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode());
        }
        assertThat(statuses.subList(10, 16))
            .as("after the ejection: %s", statuses)
            .containsOnly(200);
        String metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
            .contains(
                "tracegate_upstream_endpoint_healthy{endpoint=\""
                    + catalogB.substring("http://".length())
                    + "\",upstream=\"catalog\"} 0.0");

        demo.terminate();
        assertThat(demo.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      }
    }
  }
}
