package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc}: spans and access-log records leave over OTLP/gRPC to a
 * real gRPC receiver (HTTP/2, the collector services' Export calls, decoded with the OTLP proto
 * classes), whole and linked as over http/protobuf.
 */
class GrpcExportTest {

  @TempDir Path dir;

  @Test
  void spansAndAccessRecordsArriveOverGrpc() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.grpc();
        TestUpstream upstream = new TestUpstream()) {
      String yaml =
          "upstreams: { up: { urls: ["
              + upstream.url()
              + "] } }\n"
              + "routes: [ { name: up, path: /up/*, proxy: { upstream: up } } ]\n";
      try (TestGateway gw =
          TestGateway.start(
              yaml,
              receiver,
              Map.of(
                  "TRACEGATE_ACCESS_LOG_ENABLED",
                  "true",
                  "TRACEGATE_ACCESS_LOG_OUTPUT",
                  dir.resolve("access.log").toString(),
                  "TRACEGATE_ACCESS_LOG_OTLP",
                  "true"))) {
        HttpResponse<String> resp = gw.get("/up/grpc?status=503");
        assertThat(resp.statusCode()).isEqualTo(503);
        String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();

        List<ReceivedSpan> trace = receiver.awaitTrace(traceId, 2);
        ReceivedSpan server =
            trace.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
        ReceivedSpan client =
            trace.stream().filter(s -> s.kind().equals("CLIENT")).findFirst().orElseThrow();
        assertThat(server.parentSpanId()).isEmpty();
        assertThat(client.parentSpanId()).isEqualTo(server.spanId());
        assertThat(server.name()).isEqualTo("GET /up/*");
        assertThat(server.attributes()).containsEntry("http.response.status_code", 503L);
        assertThat(server.status()).isEqualTo("ERROR");
        assertThat(server.service()).isEqualTo("tracegate");

        OtlpReceiver.ReceivedLog record = receiver.awaitLog(l -> l.traceId().equals(traceId));
        assertThat(record.spanId()).isEqualTo(server.spanId());
        assertThat(record.body()).isEqualTo("GET /up/grpc 503");
      }
    }
  }
}
