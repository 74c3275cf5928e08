package dev.tracegate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.Gateway;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.linkage.LinkageAudit;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A gateway started in this JVM from a YAML snippet, on ephemeral ports, exporting to an {@link
 * OtlpReceiver}. Closing it checks the invariants every suite relies on: no span left open, no
 * linkage violation in the traces still buffered, and no event-loop task ran past {@link
 * BlockedThreads#MAX_TASK_MS} while it ran.
 */
public final class TestGateway implements AutoCloseable {
  /**
   * HTTP/1.1 only: the JDK client's default tries an h2c upgrade on plain http, which the gateway
   * does not speak and which the JDK 17 client was seen to wait on forever, request timeout or not.
   */
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final Gateway gateway;
  private final int blockedMark;
  private boolean checkLinkage = true;

  private TestGateway(Gateway gateway, int blockedMark) {
    this.gateway = gateway;
    this.blockedMark = blockedMark;
  }

  /**
   * {@code yaml} holds upstreams and routes (and any overrides); ports and telemetry are filled in.
   */
  public static TestGateway start(String yaml, OtlpReceiver receiver) throws Exception {
    return start(yaml, receiver, Map.of());
  }

  public static TestGateway start(String yaml, OtlpReceiver receiver, Map<String, String> extraEnv)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TRACEGATE_SERVER_PORT", "0");
    env.put("TRACEGATE_ADMIN_PORT", "0");
    env.put("TRACEGATE_SERVER_HOST", "127.0.0.1");
    env.putAll(receiver.exporterEnv());
    env.put("OTEL_BSP_SCHEDULE_DELAY", "100");
    env.put("TRACEGATE_SERVER_SHUTDOWN_GRACE", "2s");
    // on stdout the access log would only drown surefire's output; its own tests turn it on
    env.put("TRACEGATE_ACCESS_LOG_ENABLED", "false");
    env.put("TRACEGATE_TELEMETRY_LINKAGE_SETTLE", "200ms");
    env.putAll(extraEnv);
    GatewayConfig config = new ConfigLoader(env).parse(yaml, "test");
    Gateway gateway =
        Gateway.start(config, List.of(), BlockedThreads.strict()).await(20, TimeUnit.SECONDS);
    // from here on: the check is about serving; the first start in a JVM loads thousands of
    // classes on its event loops (binding the listener, the first buffers), which on a busy
    // machine alone took over 500 ms
    return new TestGateway(gateway, BlockedThreads.mark());
  }

  public Gateway gateway() {
    return gateway;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  public String adminUrl(String path) {
    return "http://127.0.0.1:" + gateway.adminPort() + path;
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET(), headers);
  }

  public static HttpResponse<String> send(HttpRequest.Builder builder, String... headers)
      throws Exception {
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return HTTP.send(
        builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public static HttpClient http() {
    return HTTP;
  }

  /** Waits until every span the gateway started has ended. */
  public void awaitNoOpenSpans() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> gateway.telemetry().stats().open() == 0);
  }

  /**
   * Waits until the linkage audit has judged every trace still in the buffer, and returns its
   * report; every suite's traffic, timeouts and failures included, must link up correctly.
   */
  public JsonObject awaitLinkageSettled() {
    LinkageAudit audit = gateway.linkage();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> audit.unsettled() == 0);
    return audit.report();
  }

  /** The report's non-zero kinds, each with the text view of its example traces. */
  private String describe(JsonObject report) throws Exception {
    StringBuilder out = new StringBuilder();
    JsonObject kinds = report.getJsonObject("kinds");
    for (String kind : kinds.fieldNames()) {
      JsonObject k = kinds.getJsonObject(kind);
      if (k.getLong("count") > 0) {
        out.append(kind).append(": ").append(k.getLong("count")).append('\n');
        for (Object id : k.getJsonArray("examples")) {
          out.append(
              HTTP.send(
                      HttpRequest.newBuilder(URI.create(adminUrl("/traces/" + id + "?format=text")))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
        }
      }
    }
    return out.toString();
  }

  /**
   * Whether {@link #close} checks that the audit found nothing; the linkage lab's tests turn it
   * off.
   */
  public TestGateway expectingViolations() {
    checkLinkage = false;
    return this;
  }

  @Override
  public void close() throws Exception {
    try {
      awaitNoOpenSpans();
      if (checkLinkage && gateway.linkage() != null && !gateway.admission().draining()) {
        JsonObject report = awaitLinkageSettled();
        assertThat(report.getLong("violations"))
            .as("linkage violations: %s", describe(report))
            .isZero();
      }
    } finally {
      gateway.stop().get(30, TimeUnit.SECONDS);
    }
    assertThat(BlockedThreads.since(blockedMark))
        .as("event-loop tasks over %d ms", BlockedThreads.MAX_TASK_MS)
        .isEmpty();
  }
}
