package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bodies the gateway must hold whole (a retrying route) share one budget, {@code
 * server.maxBufferedBytes}: past it a request is refused {@code 503 overloaded} at once instead of
 * growing the heap, and the budget is whole again when the requests have ended.
 */
class BodyBudgetTest {
  @Test
  void bodiesPastTheBudgetAreRefusedAndTheBudgetIsGivenBack() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "server: { maxBodyBytes: 65536, maxBufferedBytes: 150000 }\n"
                    + "upstreams: { up: { urls: ["
                    + upstream.url()
                    + "], timeout: 5s } }\n"
                    + "routes: [ { name: up, path: /up, methods: [PUT], proxy: { upstream: up, retries: 1 } } ]\n",
                receiver)) {
      String body = "b".repeat(60_000);
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        sent.add(
            TestGateway.http()
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(gateway.url("/up?delay=1000")))
                        .PUT(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()));
      }
      int served = 0;
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 200) {
          served++;
        } else {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("overloaded");
          refused++;
        }
      }
      // 150,000 bytes hold two bodies of 60,000, not three
      assertThat(served).isEqualTo(2);
      assertThat(refused).isEqualTo(3);
      awaitBudgetWhole(gateway);
      assertThat(
              TestGateway.send(
                      HttpRequest.newBuilder(URI.create(gateway.url("/up")))
                          .PUT(HttpRequest.BodyPublishers.ofString(body)))
                  .statusCode())
          .isEqualTo(200);
    }
  }

  /**
   * A large held body, sized or chunked, goes upstream whole and intact, and a retry after a
   * refused connection sends it again from its first byte; the budget is whole again afterwards.
   */
  @ParameterizedTest(name = "chunked {0}")
  @ValueSource(booleans = {false, true})
  void aLargeHeldBodyIsSentWholeAndResentWholeOnARetry(boolean chunked) throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "server: { maxBodyBytes: 4194304 }\n"
                    + "upstreams: { up: { urls: [http://127.0.0.1:"
                    + Ports.free()
                    + ", "
                    + upstream.url()
                    + "], timeout: 5s } }\n"
                    + "routes: [ { name: up, path: /up, methods: [PUT], proxy: { upstream: up, retries: 2 } } ]\n",
                receiver)) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; text.length() < 1_500_000; i++) {
        text.append(Integer.toString(i, 36)).append(' ');
      }
      String body = text.toString();
      for (int i = 0; i < 2; i++) { // round robin: one of the two requests meets the dead endpoint
        HttpRequest.BodyPublisher publisher =
            chunked
                ? HttpRequest.BodyPublishers.ofInputStream(
                    () -> new java.io.ByteArrayInputStream(body.getBytes()))
                : HttpRequest.BodyPublishers.ofString(body);
        HttpResponse<String> resp =
            TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.url("/up"))).PUT(publisher));
        assertThat(resp.statusCode()).isEqualTo(200);
      }
      assertThat(upstream.received())
          .hasSize(2)
          .allSatisfy(r -> assertThat(r.body()).isEqualTo(body));
      awaitBudgetWhole(gateway);
    }
  }

  /** Waits until the requests have given back every byte of the budget they held. */
  private static void awaitBudgetWhole(TestGateway gateway) {
    Awaitility.await()
        .until(
            () ->
                Prometheus.value(
                        TestGateway.send(
                                HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics"))))
                            .body(),
                        "tracegate_request_bodies_buffered_bytes")
                    == 0);
  }
}
