package dev.tracegate.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.ReceivedSpan;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A route's {@code rateLimit} serves its burst, answers {@code 429 rate_limited} with {@code
 * Retry-After} past it (nothing reaches the upstream), serves again as tokens come back, and leaves
 * other routes alone.
 */
class RateLimitTest {
  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes:\n"
                  + "  - { name: limited, path: /limited, rateLimit: { requestsPerSecond: 2, burst: 5 }, proxy: { upstream: up } }\n"
                  + "  - { name: free, path: /free, proxy: { upstream: up } }\n");

  @Test
  void pastItsBurstARouteAnswers429WithRetryAfterAndRecovers() throws Exception {
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      answers.add(harness.gateway().get("/limited"));
    }
    long served = answers.stream().filter(r -> r.statusCode() == 200).count();
    // the burst, and at most one token refilled while the twelve went out
    assertThat(served).isBetween(5L, 6L);
    HttpResponse<String> limited = answers.get(answers.size() - 1);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(limited.body()).getString("error")).isEqualTo("rate_limited");
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 2L);
    assertThat(harness.upstream().received()).hasSize((int) served);

    ReceivedSpan server =
        harness
            .receiver()
            .awaitTrace(limited.headers().firstValue("X-Trace-Id").orElseThrow(), 1)
            .stream()
            .filter(s -> s.kind().equals("SERVER"))
            .findFirst()
            .orElseThrow();
    assertThat(server.attr("error.type")).isEqualTo("rate_limited");
    assertThat(server.attr("http.response.status_code")).isEqualTo(429L);
    assertThat(server.isError())
        .as("a 4xx is the client's: the SERVER span is not ERROR")
        .isFalse();

    assertThat(harness.gateway().get("/free").statusCode()).isEqualTo(200);
    // a token every 500 ms
    Awaitility.await()
        .atMost(Duration.ofSeconds(3))
        .until(() -> harness.gateway().get("/limited").statusCode() == 200);
  }
}
