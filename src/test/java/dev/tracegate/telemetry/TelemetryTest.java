package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class TelemetryTest {
  private static String routes(TestUpstream upstream) {
    return "upstreams: { up: { urls: ["
        + upstream.url()
        + "] } }\n"
        + "routes:\n"
        + "  - { name: up, path: /up, proxy: { upstream: up } }\n"
        + "  - { name: quiet, path: /quiet, sampling: 0.0, proxy: { upstream: up } }\n";
  }

  @Test
  void metricsShowRequestsAttemptsSpansAndJvmWithTraceExemplars() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway = TestGateway.start(routes(upstream), receiver)) {
      for (int i = 0; i < 5; i++) {
        gateway.get("/up");
      }
      gateway.get("/up?status=503");
      gateway.get("/nowhere");
      receiver.await(s -> true, 13);

      String text =
          TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics")))).body();
      assertThat(text)
          .contains(
              "tracegate_requests_seconds_count{method=\"GET\",route=\"up\",status=\"200\"} 5")
          .contains(
              "tracegate_requests_seconds_count{method=\"GET\",route=\"up\",status=\"503\"} 1")
          .contains(
              "tracegate_requests_seconds_count{method=\"GET\",route=\"none\",status=\"404\"} 1")
          .contains("tracegate_requests_seconds_bucket{")
          .contains("tracegate_upstream_attempts_total{outcome=\"2xx\",upstream=\"up\"} 5")
          .contains("tracegate_upstream_attempts_total{outcome=\"5xx\",upstream=\"up\"} 1")
          .contains("tracegate_requests_in_flight 0")
          .contains("tracegate_spans_dropped_total{reason=\"queue_full\"} 0")
          .contains("jvm_memory_used_bytes");
      assertThat(text).containsPattern("tracegate_spans_exported_total [1-9]");

      HttpResponse<String> open =
          TestGateway.send(
              HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics"))),
              "Accept",
              "application/openmetrics-text; version=1.0.0");
      assertThat(open.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/openmetrics-text");
      assertThat(open.body())
          .containsPattern(
              "tracegate_requests_seconds_bucket\\{[^}]*route=\"up\"[^}]*} \\d+ # \\{span_id=\"[0-9a-f]{16}\",trace_id=\"[0-9a-f]{32}\"}");
    }
  }

  @Test
  void unsampledRouteStillAnswersWithTraceIdAndPropagatesItsContext() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway = TestGateway.start(routes(upstream), receiver)) {
      HttpResponse<String> resp = gateway.get("/quiet");
      String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
      assertThat(trace).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
      assertThat(upstream.received().get(0).headers().get("traceparent"))
          .matches("00-" + trace + "-[0-9a-f]{16}-0[02]");

      // a continued sampled trace follows its parent, whatever the route's ratio
      String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      String continued =
          gateway
              .get("/quiet", "traceparent", parent)
              .headers()
              .firstValue("X-Trace-Id")
              .orElseThrow();
      assertThat(receiver.awaitTrace(continued, 2)).hasSize(2);
      gateway.get("/up");
      receiver.await(s -> "/up".equals(s.attr("url.path")), 1);
      assertThat(receiver.trace(trace)).isEmpty();
    }
  }

  @Test
  void b3MultiPropagatorReplacesIncomingHeadersWithOneSet() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(routes(upstream), receiver, Map.of("OTEL_PROPAGATORS", "b3multi"))) {
      HttpResponse<String> resp =
          gateway.get(
              "/up",
              "X-B3-TraceId",
              "463ac35c9f6413ad48485a3953bb6124",
              "X-B3-SpanId",
              "a2fb4a1d1a96d312",
              "X-B3-Sampled",
              "1",
              "traceparent",
              "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

      assertThat(resp.headers().firstValue("X-Trace-Id"))
          .hasValue("463ac35c9f6413ad48485a3953bb6124");
      var sent = upstream.received().get(0).headers();
      assertThat(sent.getAll("X-B3-TraceId")).containsExactly("463ac35c9f6413ad48485a3953bb6124");
      ReceivedSpan client =
          receiver.awaitTrace("463ac35c9f6413ad48485a3953bb6124", 2).stream()
              .filter(s -> s.kind().equals("CLIENT"))
              .findFirst()
              .orElseThrow();
      assertThat(sent.get("X-B3-SpanId")).isEqualTo(client.spanId());
      assertThat(sent.get("traceparent")).isNull();
    }
  }

  @Test
  void clientHangingUpMidRequestCancelsTheUpstreamCallAndEndsEverySpan() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway = TestGateway.start(routes(upstream), receiver)) {
      try (Socket s = new Socket("127.0.0.1", gateway.gateway().port())) {
        OutputStream out = s.getOutputStream();
        out.write(
            "GET /up?delay=5000 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> upstream.received().size() == 1);
      }
      // long before the upstream would have answered, everything has ended
      Awaitility.await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> gateway.gateway().telemetry().stats().open() == 0);
      List<ReceivedSpan> spans = receiver.await(s -> "/up".equals(s.attr("url.path")), 1);
      ReceivedSpan server = spans.get(0);
      assertThat(server.attr("error.type")).isEqualTo("client_closed");
      ReceivedSpan client =
          receiver.awaitTrace(server.traceId(), 2).stream()
              .filter(s -> s.kind().equals("CLIENT"))
              .findFirst()
              .orElseThrow();
      assertThat(client.isError()).isTrue();
      assertThat(gateway.gateway().admission().inFlight()).isZero();
    }
  }
}
