package dev.tracegate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayProcess;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestUpstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packaged jar as a user runs it: exit codes, one-line errors, and a draining, flushing
 * SIGTERM.
 */
class MainIT {
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "server: {port: abc}|server.port: 'abc' is not a whole number",
        "routes: [{name: a, path: /a, proxy: {upstream: ghost}}]|routes[0].proxy.upstream: unknown upstream 'ghost'",
        "upstreams: {o: {urls: [http://h:1], timeout: 5 parsecs}}|upstreams.o.timeout: '5 parsecs' is not a duration",
        "accessLog: {output: /no/such/dir/a.log}|accessLog.output: cannot append to '/no/such/dir/a.log': no such directory",
      })
  void badConfigurationExitsTwoWithOneLineNamingTheKey(String yaml, String expected)
      throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, yaml);
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "--config", file.toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      List<String> lines = p.output().stream().filter(l -> !l.isBlank()).toList();
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).startsWith("tracegate: configuration error: " + expected);
    }
  }

  @Test
  void portInUseExitsOne() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("busy.yaml");
      Files.writeString(
          file,
          "server: { host: 127.0.0.1, port: " + taken.getLocalPort() + " }\nadmin: { port: 0 }\n");
      try (GatewayProcess p = GatewayProcess.start(Map.of(), "--config", file.toString())) {
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(String.join("\n", p.output())).contains("failed to start");
      }
    }
  }

  @Test
  void missingConfigFileExitsTwo() throws Exception {
    try (GatewayProcess p =
        GatewayProcess.start(Map.of(), "--config", dir.resolve("none.yaml").toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(p.output()).singleElement().asString().contains("configuration file not found");
    }
  }

  @Test
  void unknownArgumentExitsTwo() throws Exception {
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "--frobnicate")) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(p.output())
          .singleElement()
          .asString()
          .contains("Unknown option: '--frobnicate'")
          .contains("tracegate --help");
    }
  }

  @Test
  void checkSaysOkOnAGoodFileAndNamesTheKeyOnABadOne() throws Exception {
    Path good = dir.resolve("good.yaml");
    Files.writeString(
        good,
        "upstreams: { a: { urls: ['http://127.0.0.1:1'] } }\n"
            + "routes: [{ name: a, path: /a/*, proxy: { upstream: a } }]\n");
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "check", "--config", good.toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(p.output())
          .singleElement()
          .asString()
          .startsWith("tracegate: configuration OK: " + good + ": 1 route(s), 1 upstream(s)");
    }
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "routes: [{ name: a, path: /a/*, proxy: { upstream: ghost } }]\n");
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "check", "--config", bad.toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(p.output())
          .singleElement()
          .asString()
          .startsWith(
              "tracegate: configuration error: routes[0].proxy.upstream: unknown upstream 'ghost'");
    }
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "check", "--help")) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(String.join("\n", p.output()))
          .contains("Usage: tracegate check")
          .contains("--config=FILE");
    }
  }

  @Test
  void anUnknownTracegateVariableExitsTwoNamingIt() throws Exception {
    Path file = dir.resolve("orders.yaml");
    Files.writeString(file, "upstreams: { orders: { urls: ['http://127.0.0.1:1'] } }\n");
    try (GatewayProcess p =
        GatewayProcess.start(
            Map.of("TRACEGATE_UPSTREAMS_ORDERS_TIMOUT", "3s"),
            "check",
            "--config",
            file.toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(p.output())
          .singleElement()
          .asString()
          .startsWith(
              "tracegate: configuration error: TRACEGATE_UPSTREAMS_ORDERS_TIMOUT: names no configuration key");
    }
  }

  /** A gateway file on ports the system picks, with one route to an upstream never called. */
  /** One route, {@code /up}, to {@code upstream}, on free ports, with a grace of 2 s. */
  private Path routeTo(TestUpstream upstream, String name) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(
        file,
        ""
            + "server: { host: 127.0.0.1, port: 0, shutdownGrace: 2s }\n"
            + "admin: { port: 0 }\n"
            + "upstreams:\n  up: { urls: ["
            + upstream.url()
            + "] }\n"
            + "routes:\n  - { name: up, path: /up, proxy: { upstream: up } }\n");
    return file;
  }

  private Path oneRouteOnFreePorts(String name) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(
        file,
        "server: { host: 127.0.0.1, port: 0 }\n"
            + "admin: { port: 0 }\n"
            + "upstreams:\n  a: { urls: ['http://127.0.0.1:9'] }\n"
            + "routes:\n  - { name: a, path: /a, proxy: { upstream: a } }\n");
    return file;
  }

  @Test
  void startedWithSighupIgnoredItSaysReloadBySignalIsUnavailable() throws Exception {
    Path file = oneRouteOnFreePorts("hup.yaml");
    String warning = "SIGHUP is ignored in this process";
    Map<String, String> env = Map.of("OTEL_TRACES_EXPORTER", "none");
    try (GatewayProcess nohup =
            GatewayProcess.startWithHangupIgnored(env, "--config", file.toString());
        GatewayProcess plain = GatewayProcess.start(env, "--config", file.toString())) {
      nohup.awaitReady();
      plain.awaitReady();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> nohup.output().stream().anyMatch(l -> l.contains(warning)));
      assertThat(plain.output()).noneMatch(l -> l.contains(warning));
      nohup.terminate();
      plain.terminate();
      assertThat(nohup.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(plain.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
    }
  }

  /**
   * Where the kernel (or a seccomp profile) denies the native transports, as Netty's {@code
   * noNative} switch makes it here: asking for io_uring is a configuration error naming why, and
   * {@code auto} serves on NIO instead, saying so in its ready line.
   */
  @Test
  void aTransportTheMachineCannotGiveIsRefusedWhileAutoFallsBack() throws Exception {
    Path file = oneRouteOnFreePorts("transport.yaml");
    String noNative = "-Dio.netty.transport.noNative=true";
    try (GatewayProcess p =
        GatewayProcess.start(
            Map.of("JAVA_TOOL_OPTIONS", noNative, "TRACEGATE_SERVER_TRANSPORT", "io_uring"),
            "check",
            "--config",
            file.toString())) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(p.output())
          .filteredOn(l -> l.startsWith("tracegate:"))
          .singleElement()
          .asString()
          .startsWith(
              "tracegate: configuration error: server.transport: io_uring is not available on this machine (")
          .endsWith("); use auto to fall back to the best one that is");
    }
    try (GatewayProcess p =
        GatewayProcess.start(
            Map.of("JAVA_TOOL_OPTIONS", noNative, "OTEL_TRACES_EXPORTER", "none"),
            "--config",
            file.toString())) {
      p.awaitReady();
      assertThat(p.output()).anyMatch(l -> l.contains("tracegate ready") && l.contains("(nio)"));
      p.terminate();
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
    }
  }

  @Test
  void versionNamesTracegateVertxOpenTelemetryAndJava() throws Exception {
    try (GatewayProcess p = GatewayProcess.start(Map.of(), "--version")) {
      assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
      assertThat(p.output()).hasSize(4);
      assertThat(p.output().get(0)).matches("tracegate \\d+\\.\\d+\\.\\d+.*");
      assertThat(p.output().get(1)).matches("Vert\\.x 5\\.\\d+\\.\\d+.*");
      assertThat(p.output().get(2)).matches("OpenTelemetry SDK 1\\.\\d+\\.\\d+");
      assertThat(p.output().get(3)).startsWith("Java " + System.getProperty("java.version"));
    }
  }

  @Test
  void sigtermFinishesInFlightRequestsFlushesEverySpanAndExitsZero() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream()) {
      Path file = dir.resolve("gw.yaml");
      Files.writeString(
          file,
          ""
              + "server: { host: 127.0.0.1, port: 0, shutdownGrace: 10s }\n"
              + "admin: { port: 0 }\n"
              + "upstreams:\n  slow: { urls: ["
              + upstream.url()
              + "] }\n"
              + "routes:\n  - { name: slow, path: /slow, proxy: { upstream: slow } }\n");
      // a long batch delay: only the shutdown flush can deliver these spans in time
      Map<String, String> env =
          Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              receiver.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "60000");
      try (GatewayProcess p = GatewayProcess.start(env, "--config", file.toString())) {
        int port = p.awaitReady()[0];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        int n = 8;
        for (int i = 0; i < n; i++) {
          inFlight.add(
              http.sendAsync(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/slow?delay=1500"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
        }
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> upstream.received().size() == n);

        p.terminate();

        Set<String> traces = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
          HttpResponse<String> resp = f.get();
          assertThat(resp.statusCode()).isEqualTo(200);
          traces.add(resp.headers().firstValue("X-Trace-Id").orElseThrow());
        }
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
        List<ReceivedSpan> spans = receiver.spans();
        assertThat(spans.stream().filter(s -> traces.contains(s.traceId()))).hasSize(2 * n);
      }
    }
  }

  @Test
  void sigtermWithAHungCollectorStillExitsInBoundedTime() throws Exception {
    try (OtlpReceiver hung = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream()) {
      hung.mode(OtlpReceiver.Mode.HUNG);
      Path file = routeTo(upstream, "hung.yaml");
      Map<String, String> env =
          Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              hung.endpoint(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "100",
              "OTEL_BSP_EXPORT_TIMEOUT",
              "2000");
      try (GatewayProcess p = GatewayProcess.start(env, "--config", file.toString())) {
        int port = p.awaitReady()[0];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 20; i++) {
          HttpResponse<String> resp =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up")).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(resp.statusCode()).isEqualTo(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> hung.requests() > 0);

        long t0 = System.nanoTime();
        p.terminate();
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // nothing in flight, so the drain is immediate; then at most the export timeout (2 s) +
        // slack
        assertThat(ms).as("exit with a hung collector").isLessThan(6000);
      }
    }
  }

  @Test
  void aCollectorRefusingConnectionsNeitherHoldsTheExitNorHidesTheTotal() throws Exception {
    try (TestUpstream upstream = new TestUpstream()) {
      Path file = routeTo(upstream, "refused.yaml");
      Map<String, String> env =
          Map.of(
              "OTEL_EXPORTER_OTLP_ENDPOINT",
              "http://127.0.0.1:" + dev.tracegate.testing.Ports.free(),
              "OTEL_BSP_SCHEDULE_DELAY",
              "100");
      try (GatewayProcess p = GatewayProcess.start(env, "--config", file.toString())) {
        int port = p.awaitReady()[0];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int requests = 20;
        for (int i = 0; i < requests; i++) {
          assertThat(
                  http.send(
                          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up"))
                              .build(),
                          HttpResponse.BodyHandlers.discarding())
                      .statusCode())
              .isEqualTo(200);
        }
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> p.output().stream().anyMatch(l -> l.contains("spans lost so far")));

        long t0 = System.nanoTime();
        p.terminate();
        assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // nothing in flight, so the drain is immediate: the rest is the flush, never retried
        assertThat(ms).as("exit with a collector refusing connections").isLessThan(2000);
        assertThat(p.output().stream().filter(l -> l.contains("spans lost so far")))
            .as("one export warning a minute")
            .hasSize(1);
        assertThat(p.output())
            .anyMatch(
                l ->
                    l.contains("service 'tracegate' lost " + 2 * requests + " span(s) in all")
                        && l.contains("refuses connections"));
      }
    }
  }
}
