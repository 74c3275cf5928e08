package dev.tracegate.linkage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.demo.DemoService;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The demo's linkage lab through a real gateway: each broken route commits one classic mistake with
 * the plain OpenTelemetry API and yields exactly its violation kind, in {@code /linkage} and in
 * {@code /metrics}; its fixed twin does the same work and yields none.
 */
class LinkageLabTest {
  static OtlpReceiver receiver;
  static TestGateway gateway;
  static DemoService lab;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    int labPort = Ports.free();
    gateway =
        TestGateway.start(
                ""
                    + "upstreams:\n"
                    + "  lab: { urls: [http://127.0.0.1:"
                    + labPort
                    + "], timeout: 5s }\n"
                    + "routes:\n"
                    + "  - { name: lab, path: /lab/*, proxy: { upstream: lab, stripPrefix: /lab } }\n",
                receiver)
            .expectingViolations();
    lab =
        DemoService.start(
                "lab",
                "127.0.0.1",
                labPort,
                null,
                gateway.url(""),
                gateway.gateway().telemetry().config(),
                List.of(gateway.gateway().recentTraces()))
            .await(20, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    lab.stop();
    gateway.close();
    receiver.close();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "root-context, split_request, 2",
    "early-end, outlived_parent, 1",
    "no-status, error_unset, 1",
    "never-ended, unended, 1",
    "foreign-parent, orphan, 1",
    "backdated, clock, 1"
  })
  void brokenYieldsExactlyItsKindAndFixedNone(String mistake, String kind, int brokenTraces)
      throws Exception {
    Map<Violation, Long> before = counts();

    JsonObject answer = new JsonObject(gateway.get("/lab/" + mistake + "/broken").body());
    assertThat(answer.getString("linkage")).isEqualTo(kind);
    Map<Violation, Long> afterBroken = judgedAfter(brokenTraces);
    for (Violation v : Violation.values()) {
      assertThat(afterBroken.get(v) - before.get(v))
          .as("%s after %s/broken", v.key(), mistake)
          .isEqualTo(v.key().equals(kind) ? 1 : 0);
    }
    assertThat(
            Prometheus.value(
                admin("/metrics"), "tracegate_linkage_violations_total{kind=\"" + kind + "\"}"))
        .isEqualTo((double) afterBroken.get(kindOf(kind)));
    JsonObject report = new JsonObject(admin("/linkage"));
    assertThat(report.getJsonObject("kinds").getJsonObject(kind).getJsonArray("examples"))
        .isNotEmpty();

    assertThat(
            new JsonObject(gateway.get("/lab/" + mistake + "/fixed").body()).getString("linkage"))
        .isEqualTo("none");
    assertThat(judgedAfter(1)).as("after %s/fixed", mistake).isEqualTo(afterBroken);
  }

  private static Violation kindOf(String key) {
    for (Violation v : Violation.values()) {
      if (v.key().equals(key)) {
        return v;
      }
    }
    throw new IllegalArgumentException(key);
  }

  private static long judged;

  /** Waits until {@code traces} more traces have been judged and none is left to settle. */
  private static Map<Violation, Long> judgedAfter(int traces) {
    LinkageAudit audit = gateway.gateway().linkage();
    long target = judged + traces;
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> audit.judged() >= target && audit.unsettled() == 0);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "expected "
              + target
              + " judged and none unsettled; judged "
              + audit.judged()
              + ", unsettled "
              + audit.unsettled()
              + ", skipped "
              + audit.skipped()
              + ": "
              + audit.report().encode(),
          e);
    }
    assertThat(audit.judged()).isEqualTo(target);
    judged = target;
    return counts();
  }

  private static Map<Violation, Long> counts() {
    Map<Violation, Long> out = new EnumMap<>(Violation.class);
    for (Violation v : Violation.values()) {
      out.put(v, gateway.gateway().linkage().violations(v));
    }
    return out;
  }

  private static String admin(String path) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl(path)))).body();
  }
}
