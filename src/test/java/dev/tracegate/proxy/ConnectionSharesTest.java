package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code maxConnections} bounds the whole process, however many event loops share it: requests
 * beyond it wait for a connection instead of opening more.
 */
class ConnectionSharesTest {
  @Test
  void sharesDifferByAtMostOneAndAddUpToTheBound() {
    for (int loops = 1; loops <= 8; loops++) {
      for (int max = loops; max <= 40; max++) {
        int sum = 0;
        for (int loop = 0; loop < loops; loop++) {
          int share = ConnectionShares.share(max, loops, loop);
          assertThat(share).isBetween(max / loops, max / loops + 1);
          sum += share;
        }
        assertThat(sum).as("%d over %d loops", max, loops).isEqualTo(max);
      }
    }
  }

  @ParameterizedTest(name = "maxConnections {0} over two event loops")
  @ValueSource(ints = {1, 3})
  void theProcessNeverOpensMoreThanMaxConnections(int max) throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gateway =
            TestGateway.start(
                "server: { eventLoops: 2 }\n"
                    + "upstreams:\n  up: { urls: ["
                    + upstream.url()
                    + "], maxConnections: "
                    + max
                    + ", timeout: 10s }\n"
                    + "routes:\n  - { name: up, path: /up, proxy: { upstream: up } }\n",
                receiver)) {
      // many concurrent client connections, so both event loops have requests to send
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 4 * max + 4; i++) {
        calls.add(
            TestGateway.http()
                .sendAsync(
                    HttpRequest.newBuilder(URI.create(gateway.url("/up?delay=200"))).build(),
                    HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        assertThat(call.get().statusCode()).isEqualTo(200);
      }
      // kept alive after their last answer: every connection the gateway opened is still there
      assertThat(upstream.openConnections()).isBetween(1, max);
    }
  }
}
