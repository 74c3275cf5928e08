package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.RawHttp;
import dev.tracegate.testing.ReceivedSpan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests RFC 9112 says a server must refuse (or must not guess at) are answered 400 with the
 * connection closed, and nothing reaches the upstream; methods no convention knows are named {@code
 * _OTHER} in spans, not by what the client chose.
 */
class FramingTest {
  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes: [ { name: api, path: /api/*, methods: [GET, POST], proxy: { upstream: up, stripPrefix: /api } } ]\n");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "POST /api/x HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
        "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET //api/x HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/x?q=a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n",
      })
  void unsoundFramingIsRefusedAndTheConnectionClosed(String request) throws Exception {
    String answer = RawHttp.exchange(harness.gateway().gateway().port(), request);
    assertThat(answer).matches("(?s)HTTP/1\\.[01] 400 .*");
    assertThat(answer.toLowerCase())
        .contains("connection: close")
        .contains("\"error\":\"bad_request\"");
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void contentLengthBesideChunkedIsRefusedAndNeverForwarded() throws Exception {
    // two framings in one request is how smuggling starts: RFC 9112 section 6.3 says it ought to be
    // handled as an error, and Netty's decoder (4.2.18) refuses it, as Envoy does by default
    String answer =
        RawHttp.exchange(
            harness.gateway().gateway().port(),
            "POST /api/x HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assertThat(answer)
        .startsWith("HTTP/1.1 400")
        .containsIgnoringCase("connection: close")
        .contains("\"error\":\"bad_request\"");
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void soundChunkedBodiesStillPass() throws Exception {
    String answer =
        RawHttp.exchange(
            harness.gateway().gateway().port(),
            "POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(harness.upstream().received())
        .singleElement()
        .satisfies(r -> assertThat(r.body()).isEqualTo("abc"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"FROBNICATE /api/x", "XQ9yylhgzxZ /api/x", "XQ9yylhgzxZ /nothing"})
  void anUnknownMethodIsOtherInSpansAndNamesNoSpan(String requestLine) throws Exception {
    String method = requestLine.substring(0, requestLine.indexOf(' '));
    String answer =
        RawHttp.exchange(
            harness.gateway().gateway().port(),
            requestLine + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String trace =
        answer
            .lines()
            .filter(l -> l.toLowerCase().startsWith("x-trace-id:"))
            .findFirst()
            .orElseThrow()
            .substring("x-trace-id:".length())
            .trim();
    ReceivedSpan server =
        harness.receiver().awaitTrace(trace, 1).stream()
            .filter(s -> s.kind().equals("SERVER"))
            .findFirst()
            .orElseThrow();
    assertThat(answer)
        .startsWith(requestLine.endsWith("/nothing") ? "HTTP/1.1 404" : "HTTP/1.1 405");
    // the semantic conventions: span name HTTP, method _OTHER, the original kept apart
    assertThat(server.name()).isEqualTo("HTTP");
    assertThat(server.attr("http.request.method")).isEqualTo("_OTHER");
    assertThat(server.attr("http.request.method_original")).isEqualTo(method);
  }
}
