package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProxyTracingTest {

  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              ""
                  + "upstreams:\n"
                  + "  orders: { urls: ["
                  + url
                  + "] }\n"
                  + "routes:\n"
                  + "  - name: orders\n"
                  + "    path: /api/orders/*\n"
                  + "    methods: [GET, POST]\n"
                  + "    proxy: { upstream: orders, stripPrefix: /api }\n");

  @Test
  void proxiedRequestYieldsServerSpanParentingClientSpanWhichParentsUpstreamTraceparent()
      throws Exception {
    HttpResponse<String> resp = harness.gateway().get("/api/orders/42?x=1");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getString("uri")).isEqualTo("/orders/42?x=1");
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    assertThat(traceId).matches("[0-9a-f]{32}");

    List<ReceivedSpan> spans = harness.receiver().awaitTrace(traceId, 2);
    ReceivedSpan server = only(spans, "SERVER");
    ReceivedSpan client = only(spans, "CLIENT");
    assertThat(server.name()).isEqualTo("GET /api/orders/*");
    assertThat(server.parentSpanId()).isEmpty();
    assertThat(server.attr("http.route")).isEqualTo("/api/orders/*");
    assertThat(server.attr("http.response.status_code")).isEqualTo(200L);
    assertThat(server.attr("tracegate.route")).isEqualTo("orders");
    assertThat(client.childOf(server)).isTrue();
    assertThat(client.name()).isEqualTo("GET");
    assertThat(client.attr("url.full")).isEqualTo(harness.upstream().url() + "/orders/42?x=1");
    assertThat(client.attr("server.port")).isEqualTo((long) harness.upstream().port());
    assertThat(client.attr("tracegate.upstream")).isEqualTo("orders");
    assertThat(server.resource()).containsKeys("host.name", "service.version");
    assertThat(server.service()).isEqualTo("tracegate");

    List<String> sent = harness.upstream().received().get(0).headers().getAll("traceparent");
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0)).matches("00-" + traceId + "-" + client.spanId() + "-0[13]");
  }

  @Test
  void incomingTraceparentIsContinuedAndReplacedUpstream() throws Exception {
    String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    HttpResponse<String> resp =
        harness
            .gateway()
            .get(
                "/api/orders/7",
                "traceparent",
                "00-" + callerTrace + "-" + callerSpan + "-01",
                "tracestate",
                "vendor=abc",
                "b3",
                "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
                "X-B3-TraceId",
                "80f198ee56343ba864fe8b2a57d3eff7",
                "uber-trace-id",
                "abc:def:0:1",
                "baggage",
                "user=alice");

    assertThat(resp.headers().firstValue("X-Trace-Id")).hasValue(callerTrace);
    List<ReceivedSpan> spans = harness.receiver().awaitTrace(callerTrace, 2);
    ReceivedSpan server = only(spans, "SERVER");
    ReceivedSpan client = only(spans, "CLIENT");
    assertThat(server.parentSpanId()).isEqualTo(callerSpan);
    assertThat(client.childOf(server)).isTrue();

    var headers = harness.upstream().received().get(0).headers();
    assertThat(headers.getAll("traceparent")).hasSize(1);
    assertThat(headers.get("traceparent"))
        .matches("00-" + callerTrace + "-" + client.spanId() + "-0[13]");
    assertThat(headers.getAll("tracestate")).containsExactly("vendor=abc");
    assertThat(headers.get("b3")).isNull();
    assertThat(headers.get("X-B3-TraceId")).isNull();
    assertThat(headers.get("uber-trace-id")).isNull();
    assertThat(headers.get("baggage")).isEqualTo("user=alice");
    assertThat(headers.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(headers.get("Forwarded")).startsWith("for=127.0.0.1;proto=http");
  }

  @Test
  void unknownPathAnswersNotFoundJsonWithTraceId() throws Exception {
    HttpResponse<String> resp = harness.gateway().get("/nowhere");

    assertThat(resp.statusCode()).isEqualTo(404);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo("not_found");
    assertThat(body.getString("traceId"))
        .isEqualTo(resp.headers().firstValue("X-Trace-Id").orElseThrow());
    ReceivedSpan server = harness.receiver().awaitTrace(body.getString("traceId"), 1).get(0);
    assertThat(server.name()).isEqualTo("GET");
    assertThat(server.attr("http.response.status_code")).isEqualTo(404L);
    assertThat(server.isError()).isFalse();
  }

  @Test
  void concurrentRequestsNeverShareOrSwapTraces() throws Exception {
    int n = 500;
    List<String> callerTraces = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(harness.gateway().url("/api/orders/c" + i)));
      if (i % 2 == 0) {
        String trace = randomHex(32);
        callerTraces.add(trace);
        b.header("traceparent", "00-" + trace + "-" + randomHex(16) + "-01");
      }
      calls.add(TestGateway.http().sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> traceIds = new HashSet<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> resp = calls.get(i).get();
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
      String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
      traceIds.add(traceId);
      if (i % 2 == 0) {
        assertThat(traceId).isEqualTo(callerTraces.get(i / 2));
      }
      // what the upstream received for this request belongs to the same trace
      String upstreamTraceparent = new JsonObject(resp.body()).getString("traceparent");
      assertThat(upstreamTraceparent).startsWith("00-" + traceId + "-");
    }
    assertThat(traceIds).hasSize(n);

    List<ReceivedSpan> all = harness.receiver().await(s -> traceIds.contains(s.traceId()), 2 * n);
    Map<String, List<ReceivedSpan>> byTrace =
        all.stream().collect(Collectors.groupingBy(ReceivedSpan::traceId));
    assertThat(byTrace).hasSize(n);
    byTrace.forEach(
        (trace, spans) -> {
          assertThat(spans).hasSize(2);
          ReceivedSpan server = only(spans, "SERVER");
          ReceivedSpan client = only(spans, "CLIENT");
          assertThat(client.childOf(server))
              .as("client span of %s under its own server span", trace)
              .isTrue();
          String path = (String) server.attr("url.path");
          assertThat((String) client.attr("url.full")).endsWith(path.substring("/api".length()));
        });
  }

  static ReceivedSpan only(List<ReceivedSpan> spans, String kind) {
    List<ReceivedSpan> found =
        spans.stream().filter(s -> s.kind().equals(kind)).collect(Collectors.toList());
    assertThat(found).as("%s spans in %s", kind, spans).hasSize(1);
    return found.get(0);
  }

  static String randomHex(int len) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < len) {
      sb.append(Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L));
    }
    return sb.substring(0, len);
  }
}
