package dev.tracegate.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Abandoning a compose request cancels only the work still in flight: a SQL step that already
 * finished has handed its pooled connection back, and another request's query on that same
 * connection must not be cancelled.
 */
class ComposeCancellationTest {
  @Test
  void failingComposeDoesNotCancelAnotherRequestsQueryOnTheReusedConnection() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "database: { url: '"
                    + TestDatabase.url()
                    + "', poolSize: 1 }\n"
                    + "upstreams: { up: { urls: ["
                    + upstream.url()
                    + "] } }\n"
                    + "routes:\n"
                    + "  - name: fanout\n    path: /fanout\n    compose:\n      steps:\n"
                    + "        quick: { sql: { query: 'SELECT 1 AS one', result: row } }\n"
                    + "        failing: { proxy: { upstream: up, path: '/x?delay=600&status=503' } }\n"
                    + "  - { name: slow, path: /slow, sql: { query: 'SELECT pg_sleep(1.2)::text AS slept', result: row, timeout: 5s } }\n",
                receiver)) {
      CompletableFuture<HttpResponse<String>> fanout =
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gateway.url("/fanout"))).build(),
                  HttpResponse.BodyHandlers.ofString());
      // both steps have started (the failing one reached its upstream), so the quick one is done
      Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> upstream.received().size() == 1);
      // the quick step is long done; the slow query now holds the pool's only connection when the
      // compose fails
      CompletableFuture<HttpResponse<String>> slow =
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gateway.url("/slow"))).build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(fanout.get().statusCode()).isEqualTo(502);
      HttpResponse<String> slowAnswer = slow.get();
      assertThat(slowAnswer.statusCode()).as(slowAnswer.body()).isEqualTo(200);
    }
  }
}
