package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.testing.OtlpReceiver;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The http/protobuf export path (spans encoded where they end, batched as bytes) against a real
 * OTLP receiver: batches never exceed their size, a partial batch goes out after the schedule
 * delay, flush and shutdown send what waits, and a hung collector bounds shutdown and counts what
 * it lost.
 */
class EncodingBatchProcessorTest {
  private static Telemetry telemetry(OtlpReceiver receiver, Map<String, String> batch) {
    Map<String, String> env = new HashMap<>(receiver.exporterEnv());
    env.put("OTEL_TRACES_SAMPLER", "always_on");
    env.putAll(batch);
    TelemetryConfig config =
        new ConfigLoader(env)
            .parse(
                "upstreams: { up: { urls: [http://127.0.0.1:9] } }\n"
                    + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n",
                "test.yaml")
            .telemetry();
    return Telemetry.create(config, Map.of(), List.of());
  }

  private static void spans(Telemetry telemetry, int n) {
    Tracer tracer = telemetry.tracer();
    for (int i = 0; i < n; i++) {
      tracer.spanBuilder("span " + i).startSpan().setAttribute("i", (long) i).end();
    }
  }

  @Test
  void fullBatchesGoOutAtOnceAndFlushSendsTheRest() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      // a schedule delay no test waits for: only full batches and the flush send anything
      Telemetry t =
          telemetry(
              receiver,
              Map.of("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100", "OTEL_BSP_SCHEDULE_DELAY", "600000"));
      try {
        spans(t, 250);
        receiver.await(s -> true, 200);
        assertThat(receiver.requests()).isEqualTo(2);
        assertThat(t.stats().pending()).isEqualTo(50);

        assertThat(
                ((OpenTelemetrySdk) t.openTelemetry())
                    .getSdkTracerProvider()
                    .forceFlush()
                    .join(10, TimeUnit.SECONDS)
                    .isSuccess())
            .isTrue();
        assertThat(receiver.spans()).hasSize(250);
        assertThat(receiver.requests()).isEqualTo(3);
        assertThat(receiver.spans().stream().map(s -> s.name()).distinct()).hasSize(250);
        assertThat(t.stats().exported()).isEqualTo(250);
        assertThat(t.stats().pending()).isZero();
      } finally {
        t.shutdown();
      }
    }
  }

  @Test
  void aPartialBatchGoesOutAfterTheScheduleDelayAndShutdownSendsWhatWaits() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      Telemetry t =
          telemetry(
              receiver,
              Map.of("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000", "OTEL_BSP_SCHEDULE_DELAY", "200"));
      spans(t, 5);
      receiver.await(s -> true, 5);
      assertThat(receiver.requests()).isEqualTo(1);
      spans(t, 7);
      t.shutdown();
      assertThat(receiver.spans()).hasSize(12);
      assertThat(t.stats().exported()).isEqualTo(12);
      assertThat(t.stats().dropped()).isZero();
    }
  }

  @Test
  void aHungCollectorBoundsShutdownAndItsSpansAreCountedAsLost() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver()) {
      receiver.mode(OtlpReceiver.Mode.HUNG);
      Telemetry t =
          telemetry(
              receiver,
              Map.of(
                  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10",
                  "OTEL_BSP_SCHEDULE_DELAY", "50",
                  "OTEL_BSP_EXPORT_TIMEOUT", "500"));
      spans(t, 100);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests() > 0);
      long t0 = System.nanoTime();
      t.shutdown();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // export timeout + 1 s is what shutdown waits for at most (Telemetry.shutdown)
      assertThat(ms).as("shutdown with a hung collector").isLessThan(3_000);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(t.stats().dropped()).isEqualTo(100));
      assertThat(t.stats().exported()).isZero();
    }
  }
}
