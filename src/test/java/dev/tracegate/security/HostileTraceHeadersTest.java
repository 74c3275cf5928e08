package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.LogLines;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trace headers as an attacker sends them cost a bounded amount of logging: the propagators'
 * per-member complaints are silenced, tracegate counts the requests and writes one summary line a
 * minute at most, and every request is still served.
 */
class HostileTraceHeadersTest {
  static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n");

  @Test
  void aFloodOfInvalidBaggageMembersLogsOneLineAndIsCounted() throws Exception {
    // 6.5 KB of members the baggage parser refuses: bad percent-encoding (a stack trace each, from
    // the OTel parser, unless silenced) and invalid metadata
    String baggage =
        IntStream.range(0, 650)
            .mapToObj(i -> i % 2 == 0 ? "k" + i + "=v%zz" : "m" + i + "=v;=x")
            .collect(Collectors.joining(","));
    assertThat(baggage.length()).isGreaterThan(6000);
    List<ILoggingEvent> logged;
    try (LogLines lines = new LogLines()) {
      for (int i = 0; i < 50; i++) {
        HttpResponse<String> resp =
            harness
                .gateway()
                .get(
                    "/up", "traceparent", TRACEPARENT, "baggage", baggage, "tracestate", "UPPER=1");
        assertThat(resp.statusCode()).isEqualTo(200);
      }
      logged = lines.events();
    }

    assertThat(logged)
        .as("log lines for 50 requests with 650 invalid baggage members each")
        .hasSizeLessThanOrEqualTo(1);
    assertThat(logged).allMatch(e -> e.getThrowableProxy() == null);
    String metrics =
        TestGateway.send(HttpRequest.newBuilder(URI.create(harness.gateway().adminUrl("/metrics"))))
            .body();
    assertThat(
            Prometheus.value(metrics, "tracegate_trace_headers_invalid_total{header=\"baggage\"}"))
        .isGreaterThanOrEqualTo(50);
    assertThat(
            Prometheus.value(
                metrics, "tracegate_trace_headers_invalid_total{header=\"tracestate\"}"))
        .isGreaterThanOrEqualTo(50);
  }

  @Test
  void anInvalidTraceparentIsCountedAndServed() throws Exception {
    String metrics =
        TestGateway.send(HttpRequest.newBuilder(URI.create(harness.gateway().adminUrl("/metrics"))))
            .body();
    double before =
        Prometheus.value(metrics, "tracegate_trace_headers_invalid_total{header=\"traceparent\"}");
    assertThat(harness.gateway().get("/up", "traceparent", "00-garbage").statusCode())
        .isEqualTo(200);
    metrics =
        TestGateway.send(HttpRequest.newBuilder(URI.create(harness.gateway().adminUrl("/metrics"))))
            .body();
    assertThat(
            Prometheus.value(
                metrics, "tracegate_trace_headers_invalid_total{header=\"traceparent\"}"))
        .isEqualTo(before + 1);
  }
}
