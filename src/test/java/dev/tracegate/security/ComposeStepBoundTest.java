package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.LogLines;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A compose step holds at most {@code maxStepBytes} of an upstream's answer, declared or streamed:
 * past it the step fails {@code 502 upstream_unavailable} with {@code
 * error.type=response_too_large} (the gateway's own checker fails the suite if parsing blocked the
 * event loop); an answer within the bound, large or not, is merged as before.
 */
class ComposeStepBoundTest {
  static final int BOUND = 256 * 1024;
  static Vertx vertx;
  static HttpServer upstream;
  static OtlpReceiver receiver;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    String big = "{\"blob\":\"" + "x".repeat(4 * BOUND) + "\"}";
    String fits = "{\"blob\":\"" + "y".repeat(BOUND - 100) + "\"}";
    upstream =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  switch (req.path()) {
                    case "/declared" ->
                        req.response().putHeader("Content-Type", "application/json").end(big);
                    case "/streamed" -> {
                      req.response().setChunked(true).putHeader("Content-Type", "application/json");
                      for (int i = 0; i < 64; i++) {
                        req.response()
                            .write(
                                Buffer.buffer(
                                    big.substring(
                                        i * big.length() / 64, (i + 1) * big.length() / 64)));
                      }
                      req.response().end();
                    }
                    default ->
                        req.response().putHeader("Content-Type", "application/json").end(fits);
                  }
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    receiver = new OtlpReceiver();
    gateway =
        TestGateway.start(
            ""
                + "upstreams: { up: { urls: ['http://127.0.0.1:"
                + upstream.actualPort()
                + "'] } }\n"
                + "routes:\n"
                + "  - name: c\n    path: /c/:which\n"
                + "    compose: { maxStepBytes: "
                + BOUND
                + ", steps: { s: { proxy: { upstream: up, path: '/{path.which}' } } } }\n",
            receiver);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"declared", "streamed"})
  void anAnswerOverTheBoundFailsTheStep(String which) throws Exception {
    HttpResponse<String> resp;
    List<String> errors;
    try (LogLines logs = new LogLines()) {
      resp = gateway.get("/c/" + which);
      errors = logs.errors();
    }
    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("upstream_unavailable");
    ReceivedSpan client =
        receiver.awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow(), 3).stream()
            .filter(s -> s.kind().equals("CLIENT"))
            .findFirst()
            .orElseThrow();
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("response_too_large");
    // the gateway resets that exchange itself: no "unhandled" stream reset in its log
    assertThat(errors).noneMatch(e -> e.contains("Stream reset"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void anAnswerWithinTheBoundIsMerged(int attempt) throws Exception {
    HttpResponse<String> resp = gateway.get("/c/fits");
    assertThat(resp.statusCode()).as("attempt %d", attempt).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getJsonObject("s").getString("blob"))
        .hasSize(BOUND - 100);
  }
}
