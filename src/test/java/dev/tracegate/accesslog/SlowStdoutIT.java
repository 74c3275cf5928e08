package dev.tracegate.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayProcess;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log on a standard output nobody reads (a pipe whose 64 KiB buffer fills, as behind a
 * stuck log shipper): requests are all served, the records that cannot be written are dropped and
 * counted, and SIGTERM still ends the process cleanly.
 */
class SlowStdoutIT {
  private static final Pattern READY =
      Pattern.compile("gateway on [^:]+:(\\d+), admin on [^:]+:(\\d+)");

  @TempDir Path dir;

  @Test
  void stuckStdoutDropsRecordsWithoutFailingRequests() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream()) {
      Path config = dir.resolve("gw.yaml");
      Files.writeString(
          config,
          "server: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\n"
              + "upstreams: { up: { urls: ["
              + upstream.url()
              + "] } }\n"
              + "routes: [ { name: up, path: /up/*, proxy: { upstream: up, stripPrefix: /up } } ]\n");
      Path stderr = dir.resolve("stderr.log");
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  GatewayProcess.jar().toString(),
                  "--config",
                  config.toString())
              .redirectError(stderr.toFile()); // stdout stays a pipe this test never reads
      pb.environment().keySet().removeIf(k -> k.startsWith("TRACEGATE_") || k.startsWith("OTEL_"));
      pb.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint());
      Process process = pb.start();
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> ready(stderr) != null || !process.isAlive());
        Matcher m = ready(stderr);
        assertThat(m).as("ready line in %s", stderr).isNotNull();
        int port = Integer.parseInt(m.group(1));
        int admin = Integer.parseInt(m.group(2));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int total = 20_000; // past the writer's queue (16384) and the pipe's buffer
        List<CompletableFuture<HttpResponse<Void>>> batch = new ArrayList<>();
        int ok = 0;
        for (int i = 0; i < total; i++) {
          batch.add(
              http.sendAsync(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up/r" + i))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.discarding()));
          if (batch.size() == 32 || i == total - 1) {
            for (CompletableFuture<HttpResponse<Void>> f : batch) {
              ok += f.get().statusCode() == 200 ? 1 : 0;
            }
            batch.clear();
          }
        }
        assertThat(ok).isEqualTo(total);

        String metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        double dropped =
            Prometheus.value(metrics, "tracegate_access_log_dropped_total{reason=\"queue_full\"}");
        double written = Prometheus.value(metrics, "tracegate_access_log_written_total");
        assertThat(dropped).as("records dropped behind the stuck pipe").isPositive();
        assertThat(written).as("records that fit the pipe").isLessThan(total);

        process.destroy(); // SIGTERM
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isZero();
      } finally {
        process.destroyForcibly();
      }
    }
  }

  private static Matcher ready(Path stderr) throws Exception {
    if (!Files.exists(stderr)) {
      return null;
    }
    Matcher m = READY.matcher(Files.readString(stderr));
    return m.find() ? m : null;
  }
}
