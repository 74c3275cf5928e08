package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every transport {@code server.transport} offers carries the same gateway: the whole suite runs on
 * {@code auto} (io_uring on this machine), so here epoll (what auto falls back to where seccomp
 * forbids io_uring, as in a default Docker container) and NIO serve a proxied GET and a streamed
 * POST body too, with one linked trace each.
 */
class TransportTest {

  @ParameterizedTest
  @CsvSource({"io_uring, IoUring", "epoll, Epoll", "nio, Nio"})
  void eachTransportProxiesAndTracesTheSame(String transport, String implementation)
      throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TestGateway gw =
            TestGateway.start(
                "server: { transport: "
                    + transport
                    + " }\n"
                    + "upstreams:\n"
                    + "  echo: { urls: ["
                    + upstream.url()
                    + "] }\n"
                    + "routes:\n"
                    + "  - { name: echo, path: /echo/*, methods: [GET, POST], proxy: { upstream: echo } }\n",
                receiver)) {
      assertThat(((VertxInternal) gw.gateway().vertx()).transport().getClass().getSimpleName())
          .startsWith(implementation);

      HttpResponse<String> get = gw.get("/echo/a?q=1");
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(get.body()).getString("uri")).isEqualTo("/echo/a?q=1");

      String body = "x".repeat(200_000); // larger than a socket buffer: streamed with back-pressure
      HttpResponse<String> post =
          TestGateway.send(
              HttpRequest.newBuilder(URI.create(gw.url("/echo/b")))
                  .POST(HttpRequest.BodyPublishers.ofString(body)));
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(post.body()).getString("body")).isEqualTo(body);

      for (HttpResponse<String> resp : List.of(get, post)) {
        String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
        List<ReceivedSpan> spans = receiver.awaitTrace(traceId, 2);
        assertThat(
                ProxyTracingTest.only(spans, "CLIENT")
                    .childOf(ProxyTracingTest.only(spans, "SERVER")))
            .isTrue();
      }
    }
  }
}
