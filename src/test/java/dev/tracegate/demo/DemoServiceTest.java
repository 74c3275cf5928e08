package dev.tracegate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.TelemetryConfig;
import dev.tracegate.testing.Ports;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The demo's own services are the reference users copy: their spans must be clean, so that only the
 * linkage lab's deliberate mistakes show in {@code /linkage}.
 */
class DemoServiceTest {
  @Test
  void healthChecksMakeNoTraceWhileRequestsDo() throws Exception {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    int port = Ports.free();
    DemoService service = start(port, exported);
    try {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (String path : List.of("/health", "/health", "/items/1")) {
        HttpResponse<String> resp =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
      }
      // spans are exported as they end, in order: the probes' would be there before this one
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !exported.getFinishedSpanItems().isEmpty());
      assertThat(exported.getFinishedSpanItems())
          .extracting(s -> s.getAttributes().get(AttributeKey.stringKey("url.path")))
          .containsExactly("/items/1");
    } finally {
      service.stop();
    }
  }

  private static DemoService start(int port, InMemorySpanExporter exported) throws Exception {
    TelemetryConfig telemetry =
        new ConfigLoader(Map.of("OTEL_TRACES_EXPORTER", "none")).parse("{}", "test").telemetry();
    return DemoService.start(
            "echo",
            "127.0.0.1",
            port,
            null,
            null,
            telemetry,
            List.of(SimpleSpanProcessor.create(exported)))
        .await(20, TimeUnit.SECONDS);
  }

  @Test
  void aRequestWhoseCallerLeftEndsAsAnErrorNotAsAnExceptionWithoutStatus() throws Exception {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    int port = Ports.free();
    DemoService service = start(port, exported);
    try {
      // what the gateway does when its upstream timeout fires: it closes the connection
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.getOutputStream()
            .write(
                "GET /slow?delay=2000 HTTP/1.1\r\nHost: demo\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !exported.getFinishedSpanItems().isEmpty());
      SpanData server = exported.getFinishedSpanItems().get(0);
      assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
      assertThat(server.getEvents()).extracting(e -> e.getName()).contains("exception");
      assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    } finally {
      service.stop();
    }
  }
}
