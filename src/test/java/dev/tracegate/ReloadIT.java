package dev.tracegate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayProcess;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP under load, as an operator sends it: closed-loop clients for 20 s while the file flips
 * every 2 s between two configurations (one adds a route, they point an upstream at different
 * servers) and once turns invalid. Not one request fails; an added route serves and a removed one
 * answers 404 within a second; the invalid file is refused with the old routes still served; a
 * request that straddles a reload keeps an intact trace.
 */
class ReloadIT {
  @TempDir Path dir;

  @Test
  void reloadsUnderLoadWithoutFailingARequest() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream first = new TestUpstream();
        TestUpstream second = new TestUpstream()) {
      String withExtra = config(first, true);
      String withoutExtra = config(second, false);
      Path file = dir.resolve("tracegate.yaml");
      Files.writeString(file, withExtra);
      Map<String, String> env =
          Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "100",
              "TRACEGATE_ACCESS_LOG_ENABLED",
              "false");
      try (GatewayProcess gateway = GatewayProcess.start(env, "--config", file.toString())) {
        int[] ports = gateway.awaitReady();
        String base = "http://127.0.0.1:" + ports[0];
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong served = new AtomicLong();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
          Thread t =
              new Thread(
                  () -> {
                    while (running.get()) {
                      try {
                        HttpResponse<String> r =
                            http.send(
                                HttpRequest.newBuilder(URI.create(base + "/stable/item")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                          served.incrementAndGet();
                        } else {
                          failures.add(r.statusCode() + " " + r.body());
                        }
                      } catch (Exception e) {
                        failures.add(e.toString());
                      }
                    }
                  });
          t.start();
          clients.add(t);
        }

        // a request that is in flight across the first reload
        CompletableFuture<HttpResponse<String>> straddling =
            http.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/stable/slow?delay=1500")).build(),
                HttpResponse.BodyHandlers.ofString());

        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        boolean extra = true;
        int reloads = 0;
        long nextSignal = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < end) {
          // pacing, not waiting for a condition: the scenario is one SIGHUP every 2 s
          Thread.sleep(Math.max(0, (nextSignal - System.nanoTime()) / 1_000_000));
          nextSignal += Duration.ofSeconds(2).toNanos();
          if (reloads == 4) {
            // an invalid file is refused and the running routes keep serving
            write(file, "routes: [{ name: broken, path: /b, proxy: { upstream: nowhere } }]\n");
            gateway.signal("HUP");
            Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(
                    () ->
                        gateway.output().stream()
                            .anyMatch(
                                l ->
                                    l.contains("reload refused")
                                        && l.contains("unknown upstream 'nowhere'")));
            assertThat(status(http, base + "/extra/item")).isEqualTo(extra ? 200 : 404);
          }
          extra = !extra;
          write(file, extra ? withExtra : withoutExtra);
          gateway.signal("HUP");
          reloads++;
          int applied = reloads;
          // the file is read and checked on a thread of its own, which a loaded machine may not
          // run for a while; once the reload is applied, new requests take the new routes at once
          Awaitility.await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      gateway.output().stream()
                              .filter(l -> l.contains("configuration reloaded"))
                              .count()
                          >= applied);
          int expected = extra ? 200 : 404;
          Awaitility.await()
              .atMost(Duration.ofSeconds(1))
              .pollInterval(Duration.ofMillis(20))
              .until(() -> status(http, base + "/extra/item") == expected);
        }
        running.set(false);
        for (Thread t : clients) {
          t.join();
        }

        assertThat(failures).as("failed requests out of %d served", served.get()).isEmpty();
        assertThat(served.get()).isGreaterThan(1000);
        assertThat(first.received()).isNotEmpty();
        assertThat(second.received()).as("the upstream change took effect").isNotEmpty();

        HttpResponse<String> slow = straddling.get();
        assertThat(slow.statusCode()).isEqualTo(200);
        List<ReceivedSpan> trace =
            receiver.awaitTrace(slow.headers().firstValue("X-Trace-Id").orElseThrow(), 2);
        ReceivedSpan server =
            trace.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
        ReceivedSpan client =
            trace.stream().filter(s -> s.kind().equals("CLIENT")).findFirst().orElseThrow();
        assertThat(client.childOf(server)).isTrue();
        assertThat(client.endNanos()).isLessThanOrEqualTo(server.endNanos());

        String metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(Prometheus.value(metrics, "tracegate_config_reloads_total{outcome=\"applied\"}"))
            .isEqualTo(reloads);
        assertThat(Prometheus.value(metrics, "tracegate_config_reloads_total{outcome=\"refused\"}"))
            .isEqualTo(1);
        Awaitility.await()
            .until(
                () ->
                    Prometheus.value(
                            http.send(
                                    HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + ports[1] + "/metrics"))
                                        .build(),
                                    HttpResponse.BodyHandlers.ofString())
                                .body(),
                            "tracegate_spans_open")
                        == 0);
        assertThat(gateway.output())
            .anyMatch(l -> l.contains("configuration reloaded: 1 route(s), 1 upstream(s)"));

        gateway.terminate();
        assertThat(gateway.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      }
    }
  }

  private static String config(TestUpstream upstream, boolean extraRoute) {
    return "server: { host: 127.0.0.1, port: 0 }\n"
        + "admin: { port: 0 }\n"
        + "upstreams:\n"
        + "  main: { urls: ["
        + upstream.url()
        + "], timeout: 5s }\n"
        + "routes:\n"
        + "  - { name: stable, path: /stable/*, proxy: { upstream: main, stripPrefix: /stable } }\n"
        + (extraRoute
            ? "  - { name: extra, path: /extra/*, proxy: { upstream: main, stripPrefix: /extra } }\n"
            : "");
  }

  /** As an editor or a ConfigMap update does: the new file appears whole. */
  private void write(Path file, String text) throws Exception {
    Path next = dir.resolve("next.yaml");
    Files.writeString(next, text);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static int status(HttpClient http, String url) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
