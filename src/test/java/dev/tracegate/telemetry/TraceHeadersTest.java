package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.GatewayHarness;
import dev.tracegate.testing.RawHttp;
import dev.tracegate.testing.ReceivedSpan;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incoming trace headers by the W3C Trace Context rules (the cases of the W3C test suite): a valid
 * one is continued, an invalid one starts a new trace, and the request is served either way.
 */
class TraceHeadersTest {
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String PARENT = "b7ad6b7169203331";

  @RegisterExtension
  static final GatewayHarness harness =
      GatewayHarness.of(
          url ->
              "upstreams: { up: { urls: ["
                  + url
                  + "] } }\n"
                  + "routes: [ { name: up, path: /up, proxy: { upstream: up } } ]\n");

  private static ReceivedSpan server(HttpResponse<String> resp) {
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    return harness.receiver().awaitTrace(trace, 2).stream()
        .filter(s -> s.kind().equals("SERVER"))
        .findFirst()
        .orElseThrow();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "00-" + TRACE + "-" + PARENT + "-01",
        "00-" + TRACE + "-" + PARENT + "-09", // unknown flags are ignored
        "cc-"
            + TRACE
            + "-"
            + PARENT
            + "-01-what-the-future-will-be-like", // future version, extra fields
      })
  void validTraceparentIsContinued(String traceparent) throws Exception {
    HttpResponse<String> resp =
        harness.gateway().get("/up", "traceparent", traceparent, "tracestate", "foo=1,bar=2");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("X-Trace-Id")).hasValue(TRACE);
    assertThat(server(resp).parentSpanId()).isEqualTo(PARENT);
    assertThat(harness.upstream().received().get(0).headers().get("tracestate"))
        .isEqualTo("foo=1,bar=2");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ff-" + TRACE + "-" + PARENT + "-01", // version ff is invalid
        "00-" + TRACE + "-" + PARENT + "-01-extra", // extra fields with version 00
        "00-0AF7651916CD43DD8448EB211C80319C-" + PARENT + "-01", // uppercase hex
        "00-00000000000000000000000000000000-" + PARENT + "-01", // all-zero trace id
        "00-" + TRACE + "-0000000000000000-01", // all-zero parent id
        "00-" + "0af7651916cd43dd8448eb211c80319" + "-" + PARENT + "-01", // trace id too short
        "00-" + TRACE + "-" + "b7ad6b716920333" + "-01", // parent id too short
        "00-" + TRACE + "-" + PARENT + "-1", // flags too short
        "00-" + TRACE + "-" + PARENT, // missing flags
        "0g-" + TRACE + "-" + PARENT + "-01", // non-hex version
        "00-" + "0af7651916cd43dd8448eb211c80319g" + "-" + PARENT + "-01", // non-hex trace id
        "00_" + TRACE + "_" + PARENT + "_01", // wrong separators
        "",
        "garbage",
      })
  void invalidTraceparentStartsANewTraceAndIsServed(String traceparent) throws Exception {
    HttpResponse<String> resp =
        harness.gateway().get("/up", "traceparent", traceparent, "tracestate", "foo=1");

    assertThat(resp.statusCode()).isEqualTo(200);
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    assertThat(trace).matches("[0-9a-f]{32}").isNotEqualTo(TRACE).isNotEqualTo("0".repeat(32));
    assertThat(server(resp).parentSpanId()).isEmpty();
    var sent = harness.upstream().received().get(0).headers();
    assertThat(sent.getAll("traceparent")).hasSize(1);
    assertThat(sent.get("traceparent")).startsWith("00-" + trace + "-");
    assertThat(sent.get("tracestate"))
        .as("tracestate is dropped with an invalid traceparent")
        .isNull();
  }

  @org.junit.jupiter.api.Test
  void twoTraceparentHeadersStartANewTrace() throws Exception {
    int port = harness.gateway().gateway().port();
    String answer =
        RawHttp.exchange(
            port,
            "GET /up HTTP/1.1\r\nHost: x\r\n"
                + "traceparent: 00-"
                + TRACE
                + "-"
                + PARENT
                + "-01\r\n"
                + "traceparent: 00-"
                + TRACE
                + "-"
                + PARENT
                + "-01\r\n"
                + "Connection: close\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200");
    String trace =
        answer
            .lines()
            .filter(l -> l.toLowerCase().startsWith("x-trace-id:"))
            .findFirst()
            .orElseThrow()
            .substring("x-trace-id:".length())
            .trim();
    assertThat(trace).isNotEqualTo(TRACE);
    assertThat(harness.upstream().received().get(0).headers().getAll("traceparent")).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 33})
  void tracestateOverThirtyTwoMembersIsDropped(int members) throws Exception {
    String tracestate =
        IntStream.range(0, members)
            .mapToObj(i -> "k" + i + "=v" + i)
            .collect(Collectors.joining(","));
    HttpResponse<String> resp =
        harness
            .gateway()
            .get(
                "/up",
                "traceparent",
                "00-" + TRACE + "-" + PARENT + "-01",
                "tracestate",
                tracestate);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("X-Trace-Id")).hasValue(TRACE);
    String sent = harness.upstream().received().get(0).headers().get("tracestate");
    if (members <= 32) {
      assertThat(sent).isEqualTo(tracestate);
    } else {
      assertThat(sent).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"UPPER=1", "k=v=w", "@foo=1,bar=2", "foo=,bar=3"})
  void invalidTracestateIsDroppedButTheTraceContinues(String tracestate) throws Exception {
    HttpResponse<String> resp =
        harness
            .gateway()
            .get(
                "/up",
                "traceparent",
                "00-" + TRACE + "-" + PARENT + "-01",
                "tracestate",
                tracestate);
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("X-Trace-Id")).hasValue(TRACE);
    assertThat(harness.upstream().received().get(0).headers().get("tracestate")).isNull();
  }

  /**
   * What the upstream received as {@code tracestate} for a request with these {@code tracestate}
   * headers.
   */
  private static String forwardedTracestate(String... tracestates) throws Exception {
    String[] headers = new String[2 + 2 * tracestates.length];
    headers[0] = "traceparent";
    headers[1] = "00-" + TRACE + "-" + PARENT + "-01";
    for (int i = 0; i < tracestates.length; i++) {
      headers[2 + 2 * i] = "tracestate";
      headers[3 + 2 * i] = tracestates[i];
    }
    harness.upstream().clear();
    HttpResponse<String> resp = harness.gateway().get("/up", headers);
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("X-Trace-Id")).hasValue(TRACE);
    var sent = harness.upstream().received().get(0).headers();
    assertThat(sent.getAll("tracestate")).hasSizeLessThanOrEqualTo(1);
    return sent.get("tracestate");
  }

  private static String members(int from, int to) {
    return IntStream.range(from, to)
        .mapToObj(i -> String.format("bar%02d=%02d", i, i))
        .collect(Collectors.joining(","));
  }

  // the W3C test suite's tracestate cases (test/test.py), as a client sends them

  @org.junit.jupiter.api.Test
  void tracestateHeadersAreCombinedInOrder() throws Exception {
    assertThat(forwardedTracestate("foo=1", "bar=2,baz=3")).isEqualTo("foo=1,bar=2,baz=3");
  }

  @org.junit.jupiter.api.Test
  void anEmptyTracestateHeaderBesideAValidOneLosesNothing() throws Exception {
    assertThat(forwardedTracestate("", "foo=1")).isEqualTo("foo=1");
    assertThat(forwardedTracestate("foo=1", "")).isEqualTo("foo=1");
  }

  @org.junit.jupiter.api.Test
  void theMemberLimitAppliesToTheCombinedList() throws Exception {
    assertThat(forwardedTracestate(members(0, 16), members(16, 32))).isEqualTo(members(0, 32));
    assertThat(forwardedTracestate(members(0, 16), members(16, 33))).isNull();
  }

  @org.junit.jupiter.api.Test
  void theKeyLengthLimitAppliesToTheCombinedList() throws Exception {
    String longest = "z".repeat(256);
    assertThat(forwardedTracestate("foo=1", longest + "=1")).isEqualTo("foo=1," + longest + "=1");
    assertThat(forwardedTracestate("foo=1", "z".repeat(257) + "=1")).isNull();
  }

  @org.junit.jupiter.api.Test
  void multiTenantKeysAreKeptWithinTheKeyLengthLimit() throws Exception {
    assertThat(forwardedTracestate("foo=1", "tenant@system=2")).isEqualTo("foo=1,tenant@system=2");
    // the key grammar is one limit, 256 characters, wherever the @ falls
    for (String key :
        List.of(
            "t".repeat(241) + "@" + "v".repeat(14),
            "t".repeat(242) + "@v",
            "t@" + "v".repeat(15))) {
      assertThat(forwardedTracestate("foo=1", key + "=1")).isEqualTo("foo=1," + key + "=1");
    }
  }

  @org.junit.jupiter.api.Test
  void keysWithAtSignsAfterTheirFirstCharacterAreInheritedAsTheyAre() throws Exception {
    for (String list : List.of("foo@=1,bar=2", "foo@@bar=1,bar=2", "foo@bar@baz=1,bar=2")) {
      assertThat(forwardedTracestate(list)).isEqualTo(list);
    }
    assertThat(forwardedTracestate("@foo=1,bar=2")).as("a key may not start with @").isNull();
  }

  @org.junit.jupiter.api.Test
  void allAllowedCharactersInKeysAndValuesPass() throws Exception {
    String key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    String value =
        " !\"#$%&'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    assertThat(forwardedTracestate(key + "=" + value.strip())).isEqualTo(key + "=" + value.strip());
  }

  @org.junit.jupiter.api.Test
  void aRepeatedKeyKeepsItsFirstValueAndTheListIsInherited() throws Exception {
    // uniqueness is the sender's duty; the suite accepts either copy, the first is kept
    assertThat(forwardedTracestate("foo=1,foo=1")).isEqualTo("foo=1");
    assertThat(forwardedTracestate("foo=1,foo=2")).isEqualTo("foo=1");
    assertThat(forwardedTracestate("foo=1", "foo=1")).isEqualTo("foo=1");
    assertThat(forwardedTracestate("foo=1", "foo=2,bar=3")).isEqualTo("foo=1,bar=3");
  }
}
