package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
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
      Awaitility.await()
          .until(
              () ->
                  Prometheus.value(
                          TestGateway.send(
                                  HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics"))))
                              .body(),
                          "tracegate_request_bodies_buffered_bytes")
                      == 0);
      assertThat(
              TestGateway.send(
                      HttpRequest.newBuilder(URI.create(gateway.url("/up")))
                          .PUT(HttpRequest.BodyPublishers.ofString(body)))
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
