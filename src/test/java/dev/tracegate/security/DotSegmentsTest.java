package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No value a client (or an upstream's answer) supplies can become a dot segment in the path an
 * upstream receives: {@code ..} through a template is refused, {@code ..;} through a prefix route
 * too, and nothing reaches the upstream.
 */
class DotSegmentsTest {
  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              ""
                  + "database: { url: '"
                  + TestDatabase.url()
                  + "' }\n"
                  + "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes:\n"
                  + "  - { name: byquery, path: /q, proxy: { upstream: up, path: '/items/{query.id}/details' } }\n"
                  + "  - { name: byheader, path: /h, proxy: { upstream: up, path: '/items/{header.x-item}/details' } }\n"
                  + "  - { name: prefix, path: /raw/*, proxy: { upstream: up, stripPrefix: /raw } }\n"
                  + "  - name: chained\n"
                  + "    path: /chained\n"
                  + "    compose:\n"
                  + "      steps:\n"
                  + "        z:    { sql: { query: \"SELECT '..' AS zip\", result: row } }\n"
                  + "        ship: { after: [z], proxy: { upstream: up, path: '/quote/{z.body.zip}/price' } }\n");

  @ParameterizedTest
  @ValueSource(strings = {"..", "."})
  void aDotSegmentFromTheQueryOrAHeaderIsRefused(String value) throws Exception {
    HttpResponse<String> q = harness.gateway().get("/q?id=" + value);
    assertThat(q.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(q.body()).getString("error")).isEqualTo("bad_request");
    HttpResponse<String> h = harness.gateway().get("/h", "x-item", value);
    assertThat(h.statusCode()).isEqualTo(400);
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void ordinaryValuesStillPassEncoded() throws Exception {
    assertThat(harness.gateway().get("/q?id=a..b").statusCode()).isEqualTo(200);
    assertThat(harness.gateway().get("/q?id=..%2F..").statusCode()).isEqualTo(200);
    assertThat(harness.upstream().received())
        .extracting(r -> r.uri())
        .containsExactly("/items/a..b/details?id=a..b", "/items/..%2F../details?id=..%2F..");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/raw/..;/admin", "/raw/.;x/admin", "/raw/a/..;jsessionid=1/b"})
  void aDotSegmentWithParametersIsRefusedOnAPrefixRoute(String path) throws Exception {
    HttpResponse<String> resp = harness.gateway().get(path);
    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(harness.upstream().received()).isEmpty();
  }

  @Test
  void aDotSegmentFromAnEarlierStepsAnswerIsAnUpstreamError() throws Exception {
    HttpResponse<String> resp = harness.gateway().get("/chained");
    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("upstream_unavailable");
    assertThat(harness.upstream().received()).isEmpty();
  }
}
