package dev.tracegate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tracegate.config.ConfigException;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client's {@code X-Forwarded-*} and {@code Forwarded} headers are believed only from a proxy
 * listed in {@code server.trustedProxies}; from anyone else the gateway states what it saw itself.
 */
class ForwardedHeadersTest {
  static OtlpReceiver receiver;
  static TestUpstream upstream;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    receiver.close();
  }

  /** A gateway with one route to the upstream, believing the proxies {@code trusted} lists. */
  private static TestGateway trusting(String trusted) throws Exception {
    return TestGateway.start(
        "server: { trustedProxies: ["
            + trusted
            + "] }\n"
            + "upstreams: { up: { urls: ["
            + upstream.url()
            + "] } }\n"
            + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n",
        receiver);
  }

  private static MultiMap forwardedBy(String trusted) throws Exception {
    upstream.clear();
    try (TestGateway gateway = trusting(trusted)) {
      assertThat(
              gateway
                  .get(
                      "/up",
                      "X-Forwarded-For",
                      "1.1.1.1",
                      "X-Forwarded-For",
                      "2.2.2.2",
                      "X-Forwarded-Host",
                      "evil.example",
                      "X-Forwarded-Proto",
                      "https",
                      "Forwarded",
                      "for=6.6.6.6;proto=https")
                  .statusCode())
          .isEqualTo(200);
      MultiMap sent = upstream.received().get(0).headers();
      sent.set("x-test-gateway-host", "127.0.0.1:" + gateway.gateway().port());
      return sent;
    }
  }

  @Test
  void fromAnUntrustedPeerTheGatewaySaysWhatItSaw() throws Exception {
    MultiMap sent = forwardedBy("");
    String host = sent.get("x-test-gateway-host");
    assertThat(sent.getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(sent.getAll("X-Forwarded-Host")).containsExactly(host);
    assertThat(sent.getAll("X-Forwarded-Proto")).containsExactly("http");
    assertThat(sent.getAll("Forwarded"))
        .containsExactly("for=127.0.0.1;proto=http;host=\"" + host + "\"");
  }

  @Test
  void fromATrustedProxyTheChainIsKeptAndExtended() throws Exception {
    MultiMap sent = forwardedBy("127.0.0.0/8");
    String host = sent.get("x-test-gateway-host");
    assertThat(sent.getAll("X-Forwarded-For")).containsExactly("1.1.1.1, 2.2.2.2, 127.0.0.1");
    assertThat(sent.getAll("X-Forwarded-Host")).containsExactly("evil.example");
    assertThat(sent.getAll("X-Forwarded-Proto")).containsExactly("https");
    assertThat(sent.getAll("Forwarded"))
        .containsExactly("for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host=\"" + host + "\"");
  }

  /**
   * What goes upstream as {@code X-Forwarded-For} when the peer sends these lines: the same for one
   * line or several, as RFC 9110 reads a list.
   */
  private static java.util.List<String> xffSentFor(String trusted, String... lines)
      throws Exception {
    upstream.clear();
    try (TestGateway gateway = trusting(trusted)) {
      String[] headers = new String[2 * lines.length];
      for (int i = 0; i < lines.length; i++) {
        headers[2 * i] = "X-Forwarded-For";
        headers[2 * i + 1] = lines[i];
      }
      assertThat(gateway.get("/up", headers).statusCode()).isEqualTo(200);
      return upstream.received().get(0).headers().getAll("X-Forwarded-For");
    }
  }

  @Test
  void anUntrustedPeersForwardedForIsReplacedWhetherOneLineOrSeveral() throws Exception {
    // replaced, as Traefik does by default: appending (nginx, Envoy) would pass on whatever an
    // untrusted client claims in front of its real address
    assertThat(xffSentFor("", "1.1.1.1, 2.2.2.2")).containsExactly("127.0.0.1");
    assertThat(xffSentFor("", "1.1.1.1", "2.2.2.2")).containsExactly("127.0.0.1");
  }

  @Test
  void aTrustedProxysForwardedForIsOneListWhetherOneLineOrSeveral() throws Exception {
    assertThat(xffSentFor("127.0.0.0/8", "1.1.1.1, 2.2.2.2"))
        .containsExactly("1.1.1.1, 2.2.2.2, 127.0.0.1");
    assertThat(xffSentFor("127.0.0.0/8", "1.1.1.1", "2.2.2.2"))
        .containsExactly("1.1.1.1, 2.2.2.2, 127.0.0.1");
  }

  @Test
  void trustedProxiesAreAddressLiteralsOrBlocks() {
    assertThatThrownBy(
            () ->
                new ConfigLoader(Map.of())
                    .parse("server: { trustedProxies: [proxy.example] }\n", "t"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("server.trustedProxies[0]: 'proxy.example' is not an IP");
    assertThatThrownBy(
            () ->
                new ConfigLoader(Map.of())
                    .parse("server: { trustedProxies: ['10.0.0.0/33'] }\n", "t"))
        .hasMessageStartingWith(
            "server.trustedProxies[0]: '10.0.0.0/33': the prefix length must be 0-32");
    assertThat(
            new ConfigLoader(Map.of())
                .parse(
                    "server: { trustedProxies: ['10.1.0.0/16', 'fd00::/8', '192.0.2.7'] }\n", "t")
                .server()
                .trusts("10.1.200.3"))
        .isTrue();
    assertThat(
            new ConfigLoader(Map.of())
                .parse("server: { trustedProxies: ['10.1.0.0/16'] }\n", "t")
                .server()
                .trusts("10.2.0.1"))
        .isFalse();
  }
}
