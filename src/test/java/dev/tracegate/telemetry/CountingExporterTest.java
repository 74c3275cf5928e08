package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.tracegate.testing.LogLines;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.ConnectException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Export failures are counted for every batch and told once a minute per process, naming the
 * service, however many SDKs the process runs (the demo runs nine).
 */
class CountingExporterTest {
  /** A collector that refuses every connection. */
  private static final SpanExporter REFUSING =
      new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          return CompletableResultCode.ofExceptionalFailure(
              new ConnectException("Connection refused"));
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };

  @Test
  void manyServicesFailingMakeOneLineAMinuteNamingTheServiceWithTheTrueTotal() {
    ExportWarnings warnings = new ExportWarnings();
    List<CountingExporter> exporters =
        List.of(
            exporter("orders", warnings),
            exporter("shipping", warnings),
            exporter("tracegate", warnings));
    List<SpanData> batch = Collections.nCopies(7, null);
    try (LogLines log = new LogLines(CountingExporter.class.getName(), Level.WARN)) {
      for (int round = 0; round < 3; round++) {
        exporters.forEach(e -> e.export(batch));
      }

      assertThat(log.events()).hasSize(1);
      assertThat(log.events().get(0).getFormattedMessage())
          .startsWith("telemetry: exporting spans of service 'orders' to http://collector:4318")
          .contains("(7 spans lost: java.net.ConnectException: Connection refused)")
          .contains("7 spans lost so far by this process");
    }
    assertThat(warnings.lost()).as("every failed batch counted").isEqualTo(9 * 7);
  }

  private static CountingExporter exporter(String service, ExportWarnings warnings) {
    return new CountingExporter(
        REFUSING,
        new SpanStats(),
        "http://collector:4318/v1/traces",
        service,
        warnings,
        new ExportRetries());
  }
}
