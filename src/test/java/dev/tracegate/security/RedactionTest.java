package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tracegate.config.ConfigLoader;
import dev.tracegate.telemetry.Redaction;
import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.util.Urls;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Secrets in query strings and URLs are masked wherever the gateway writes them down. */
class RedactionTest {
  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n");

  @Test
  void secretQueryValuesAreMaskedInUrlFullButForwardedIntact() throws Exception {
    HttpResponse<String> resp =
        harness.gateway().get("/up?id=7&token=abc123&Signature=s3cr3t&keep=1");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(harness.upstream().received().get(0).uri())
        .isEqualTo("/up?id=7&token=abc123&Signature=s3cr3t&keep=1");
    ReceivedSpan client =
        harness
            .receiver()
            .awaitTrace(resp.headers().firstValue("X-Trace-Id").orElseThrow(), 2)
            .stream()
            .filter(s -> s.kind().equals("CLIENT"))
            .findFirst()
            .orElseThrow();
    assertThat((String) client.attr("url.full"))
        .endsWith("/up?id=7&token=REDACTED&Signature=REDACTED&keep=1")
        .doesNotContain("abc123")
        .doesNotContain("s3cr3t");
  }

  @Test
  void queriesAndUrlsAreMaskedByTheirRules() {
    Set<String> keys = Set.of("token", "access_token");
    assertThat(Redaction.query("a=1&token=x&b&access_token=&TOKEN=y", keys))
        .isEqualTo("a=1&token=REDACTED&b&access_token=REDACTED&TOKEN=REDACTED");
    assertThat(Redaction.query("tokens=1&x=token", keys)).isEqualTo("tokens=1&x=token");
    assertThat(Urls.redact("https://user:pa55@collector:4318/v1/traces?apikey=1"))
        .isEqualTo("https://REDACTED@collector:4318/v1/traces?REDACTED")
        .doesNotContain("pa55");
    assertThat(Urls.redact("http://collector:4318/v1/traces"))
        .isEqualTo("http://collector:4318/v1/traces");
  }

  @Test
  void aUrlLosesItsWholeUserInfoAndItsQueryWhateverThePasswordHolds() {
    assertThat(Urls.redact("postgresql://postgres:pa@ss@db:5432/shop?sslmode=disable"))
        .isEqualTo("postgresql://REDACTED@db:5432/shop?REDACTED");
    assertThat(Urls.redact("postgresql://app:p/ss:w@rd@db/shop"))
        .isEqualTo("postgresql://REDACTED@db/shop");
    assertThat(Urls.redact("postgresql://db/shop?user=app&password=hunter2"))
        .isEqualTo("postgresql://db/shop?REDACTED");
    assertThat(Urls.redact("postgresql://db/shop")).isEqualTo("postgresql://db/shop");
  }

  @Test
  void aPasswordWithAnAtSignNeverShowsInTheConfigurationErrorLine() {
    assertThatThrownBy(
            () ->
                new ConfigLoader(Map.of())
                    .parse(
                        "database: { url: 'postgresql://postgres:pa@ss@db:notaport/shop' }\n", "t"))
        .hasMessageStartingWith("database.url: cannot be used")
        .hasMessageNotContaining("pa@")
        .hasMessageNotContaining("ss@");
  }

  @Test
  void aDatabaseUrlThatDoesNotParseIsRefusedWithoutItsPassword() {
    assertThatThrownBy(
            () ->
                new ConfigLoader(Map.of())
                    .parse("database: { url: 'postgresql://app:hunter2@db:notaport/shop' }\n", "t"))
        .hasMessageStartingWith("database.url: cannot be used")
        .hasMessageNotContaining("hunter2");
  }
}
