package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A collector that accepts and never answers must not slow requests: two gateways in one run, one
 * exporting to a healthy collector and one to a hung one, compared as a latency ratio; over
 * http/protobuf and over gRPC.
 */
class ExporterIsolationTest {
  private static final Map<String, String> SMALL_QUEUE =
      Map.of(
          "OTEL_BSP_MAX_QUEUE_SIZE",
          "2048",
          "OTEL_BSP_EXPORT_TIMEOUT",
          "1000",
          "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
          "512");

  @ParameterizedTest
  @ValueSource(strings = {"http/protobuf", "grpc"})
  void hungCollectorChangesNeitherLatencyNorSuccessAndDropsAreCounted(String protocol)
      throws Exception {
    try (OtlpReceiver healthy = receiver(protocol);
        OtlpReceiver hung = receiver(protocol);
        TestUpstream upstream = new TestUpstream()) {
      hung.mode(OtlpReceiver.Mode.HUNG);
      String yaml =
          "upstreams: { up: { urls: ["
              + upstream.url()
              + "] } }\n"
              + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n";
      TestGateway a = TestGateway.start(yaml, healthy, SMALL_QUEUE);
      TestGateway b = TestGateway.start(yaml, hung, SMALL_QUEUE);
      try {
        run(a, 300);
        run(b, 300);
        List<Long> latA = new ArrayList<>();
        List<Long> latB = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
          latA.addAll(run(a, 500));
          latB.addAll(run(b, 500));
        }
        double ratio = (double) median(latB) / median(latA);
        System.out.printf(
            "exporter isolation (" + protocol + "): median healthy %d us, hung %d us, ratio %.2f%n",
            median(latA) / 1000,
            median(latB) / 1000,
            ratio);
        assertThat(ratio).as("hung/healthy median latency").isLessThan(2.0);

        assertThat(dropped(a)).isZero();
        assertThat(dropped(b)).as("spans past the queue are dropped and counted").isGreaterThan(0);
        assertThat(hung.requests()).isGreaterThan(0);
      } finally {
        a.close();
        long t0 = System.nanoTime();
        b.gateway().stop().get(30, TimeUnit.SECONDS);
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        // shutdownGrace (2 s in tests, nothing in flight) + export timeout (1 s) + slack
        assertThat(stopMs).as("stop with a hung collector is bounded").isLessThan(6000);
      }
    }
  }

  private static OtlpReceiver receiver(String protocol) throws Exception {
    return protocol.equals("grpc") ? OtlpReceiver.grpc() : new OtlpReceiver();
  }

  /** {@code n} requests, 8 at a time; returns each one's latency in nanoseconds. */
  private static List<Long> run(TestGateway g, int n) throws Exception {
    Semaphore slots = new Semaphore(8);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> all = new ArrayList<>();
    HttpRequest req = HttpRequest.newBuilder(URI.create(g.url("/up"))).build();
    for (int i = 0; i < n; i++) {
      slots.acquire();
      long t0 = System.nanoTime();
      all.add(
          TestGateway.http()
              .sendAsync(req, HttpResponse.BodyHandlers.ofString())
              .whenComplete(
                  (resp, err) -> {
                    slots.release();
                    if (err == null && resp.statusCode() == 200) {
                      latencies.add(System.nanoTime() - t0);
                    }
                  }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    assertThat(latencies).as("every request succeeded").hasSize(n);
    return latencies;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static double dropped(TestGateway g) throws Exception {
    String text =
        TestGateway.send(HttpRequest.newBuilder(URI.create(g.adminUrl("/metrics")))).body();
    // queue_full while the queue is full, export_failed for batches the collector never took
    Matcher m =
        Pattern.compile("tracegate_spans_dropped_total\\{reason=\"\\w+\"} ([0-9.E]+)")
            .matcher(text);
    double sum = 0;
    int series = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
      series++;
    }
    assertThat(series).isEqualTo(2);
    return sum;
  }
}
