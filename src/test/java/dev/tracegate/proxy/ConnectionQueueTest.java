package dev.tracegate.proxy;

import static dev.tracegate.proxy.ProxyTracingTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Prometheus;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests beyond an upstream's connections wait in tracegate's queue in front of the pool: each is
 * sent in turn over the connections there are, and once the queue holds as many as the pool would,
 * the next is refused at once with a 503 instead of waiting.
 */
class ConnectionQueueTest {
  static OtlpReceiver receiver;
  static TestUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
    gateway =
        TestGateway.start(
            ""
                // one event loop: one pool of one connection, whose queue takes 64 waiting requests
                + "server: { requestTimeout: 10s, eventLoops: 1 }\n"
                + "upstreams:\n"
                + "  single: { urls: ["
                + upstream.url()
                + "], maxConnections: 1, connectTimeout: 200ms }\n"
                + "  four: { urls: ["
                + upstream.url()
                + "], maxConnections: 4 }\n"
                + "routes:\n"
                + "  - { name: one, path: /one/*, proxy: { upstream: single, stripPrefix: /one, timeout: 5s } }\n"
                + "  - { name: short, path: /short/*, proxy: { upstream: single, stripPrefix: /short, timeout: 300ms } }\n"
                + "  - { name: four, path: /four/*, proxy: { upstream: four, stripPrefix: /four, timeout: 10s } }\n",
            receiver);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
    receiver.close();
  }

  private static CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return TestGateway.http()
        .sendAsync(
            HttpRequest.newBuilder(URI.create(gateway.url(path))).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestsBeyondTheConnectionsWaitTheirTurnAndAreRefusedPastTheQueuesBound() throws Exception {
    upstream.clear();
    CompletableFuture<HttpResponse<String>> holder = getAsync("/one/x?who=holder&delay=1500");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> upstream.received().stream().anyMatch(r -> r.uri().contains("who=holder")));

    // the one connection is busy: 64 wait for it (and the gauge says so), the next 6 find the
    // queue full
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      calls.add(getAsync("/one/x?who=w" + i));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 64);
    for (int i = 64; i < 70; i++) {
      calls.add(getAsync("/one/x?who=w" + i));
    }
    int answered = 0;
    List<HttpResponse<String>> refused = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get(10, TimeUnit.SECONDS);
      if (r.statusCode() == 200) {
        answered++;
      } else {
        refused.add(r);
      }
    }
    assertThat(holder.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(answered).isEqualTo(64);
    assertThat(refused).hasSize(6);
    HttpResponse<String> first = refused.get(0);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
    JsonObject body = new JsonObject(first.body());
    assertThat(body.getString("error")).isEqualTo("upstream_unavailable");
    assertThat(body.getString("message")).contains("64 requests already wait for a connection");

    List<ReceivedSpan> spans = receiver.awaitTrace(body.getString("traceId"), 2);
    ReceivedSpan client = only(spans, "CLIENT");
    assertThat(client.isError()).isTrue();
    assertThat(client.attr("error.type")).isEqualTo("queue_full");
    assertThat(client.childOf(only(spans, "SERVER"))).isTrue();

    // every waiter was sent, one after the other over the one connection; the refused never were
    assertThat(upstream.received()).hasSize(65);
    assertThat(upstream.openConnections()).isLessThanOrEqualTo(1);
    gateway.awaitNoOpenSpans();
    assertThat(queued()).isZero();
    assertThat(gateway.get("/one/after").statusCode()).isEqualTo(200);
  }

  @Test
  void aRequestThatGivesUpWhileWaitingNoLongerCountsAsWaiting() throws Exception {
    CompletableFuture<HttpResponse<String>> holder = getAsync("/one/x?who=holder2&delay=2500");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> upstream.received().stream().anyMatch(r -> r.uri().contains("who=holder2")));
    // its wait is bounded by connectTimeout + the route's timeout: 200ms + 300ms
    CompletableFuture<HttpResponse<String>> impatient = getAsync("/short/x?who=impatient");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 1);

    assertThat(impatient.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
    assertThat(queued()).isZero(); // before the holder is answered and the waiter would be skipped
    assertThat(holder.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(upstream.received()).noneMatch(r -> r.uri().contains("who=impatient"));
  }

  private static double queued() throws Exception {
    return queued("single");
  }

  private static double queued(String upstreamName) throws Exception {
    String metrics =
        TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/metrics")))).body();
    return Prometheus.value(
        metrics, "tracegate_upstream_requests_queued{upstream=\"" + upstreamName + "\"}");
  }

  @Test
  void everyQueuedRequestStaysOneTraceAndGoesOutWithItsOwnClientSpansContext() throws Exception {
    // 200 at once over 4 connections: most wait in the queue and go on from another request's
    // answer, on their own Vert.x context
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(getAsync("/four/x?who=c" + i + "&delay=10"));
    }
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = calls.get(i).get(20, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      String trace = r.headers().firstValue("X-Trace-Id").orElseThrow();
      List<ReceivedSpan> spans = receiver.awaitTrace(trace, 2);
      assertThat(spans).hasSize(2);
      ReceivedSpan client = only(spans, "CLIENT");
      assertThat(client.childOf(only(spans, "SERVER"))).isTrue();
      String who = "who=c" + i + "&";
      TestUpstream.Received sent =
          upstream.received().stream().filter(q -> q.uri().contains(who)).findFirst().orElseThrow();
      assertThat(sent.headers().getAll("traceparent"))
          .singleElement()
          .asString()
          .startsWith("00-" + trace + "-" + client.spanId() + "-"); // its parent: this CLIENT span
    }
    gateway.awaitNoOpenSpans();
    assertThat(queued("four")).isZero();
    assertThat(gateway.awaitLinkageSettled().getJsonObject("kinds").stream())
        .allMatch(k -> ((JsonObject) k.getValue()).getLong("count") == 0);
  }

  /** The queue itself, without a gateway: slots, order, and waiters that gave up. */
  @Test
  void slotsGoToTheOldestWaiterStillWaiting() {
    LongAdder queued = new LongAdder();
    ConnectionQueue q = new ConnectionQueue(2, 1, 2, queued);
    List<String> went = new ArrayList<>();
    Waiter a = new Waiter("a", went);
    Waiter b = new Waiter("b", went);
    Waiter c = new Waiter("c", went);

    assertThat(q.enter(0, a)).isTrue(); // endpoint 0's one slot
    assertThat(q.enter(1, new Waiter("other", went))).isTrue(); // endpoints are apart
    assertThat(q.full(0)).isFalse();
    assertThat(q.enter(0, b)).isFalse();
    assertThat(q.enter(0, c)).isFalse();
    assertThat(q.full(0)).isTrue();
    assertThat(queued.sum()).isEqualTo(2);

    b.gaveUp = true; // b's deadline came while it waited: it no longer counts, nor gets a slot
    q.stoppedWaiting();
    assertThat(queued.sum()).isEqualTo(1);
    assertThat(q.full(0)).isFalse();
    q.leave(0); // a is answered
    assertThat(went).containsExactly("c");
    assertThat(queued.sum()).isZero();
    assertThat(q.busy(0)).isEqualTo(1);
    q.leave(0); // c is answered, nobody waits: the slot is free
    assertThat(q.busy(0)).isZero();
    assertThat(q.waiting(0)).isZero();
    assertThat(q.enter(0, a)).isTrue();
  }

  private static final class Waiter implements ConnectionQueue.Waiter {
    final String name;
    final List<String> went;
    boolean gaveUp;

    Waiter(String name, List<String> went) {
      this.name = name;
      this.went = went;
    }

    @Override
    public boolean gaveUp() {
      return gaveUp;
    }

    @Override
    public void go() {
      went.add(name);
    }
  }
}
