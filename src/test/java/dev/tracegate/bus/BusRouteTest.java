package dev.tracegate.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bus routes end to end on the gateway's own event bus: SERVER -> PRODUCER -> CONSUMER -> the
 * consumer's SQL span, one tree per request, and the consumer's own code sees its span as current
 * after a worker hop, a pg query and a timer; every bus failure answers its SPEC status and key.
 */
class BusRouteTest {
  static OtlpReceiver receiver;
  static TestGateway gateway;
  static Pool pool;

  /** Every place where the consumer's code found another span current than its own. */
  static final Queue<String> wrongContext = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    gateway =
        TestGateway.start(
            ""
                + "routes:\n"
                + "  - { name: price, path: /price/:sku, bus: { address: test.price, timeout: 5s } }\n"
                + "  - { name: slow, path: /slow, bus: { address: test.slow, timeout: 200ms } }\n"
                + "  - { name: nobody, path: /nobody, bus: { address: test.nobody } }\n"
                + "  - { name: failing, path: /failing, bus: { address: test.failing } }\n"
                + "  - { name: created, path: /created, bus: { address: test.created } }\n"
                + "  - { name: combo, path: /combo/:sku, compose: { steps: { price: { bus: { address: test.price } } } } }\n"
                + "  - { name: restock, path: /restock, methods: [POST], bus: { address: test.restock, mode: publish } }\n",
            receiver,
            Map.of("TRACEGATE_SERVER_MAX_IN_FLIGHT", "2000"));
    Vertx vertx = gateway.gateway().vertx();
    OpenTelemetry otel = gateway.gateway().telemetry().openTelemetry();
    pool =
        PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(4))
            .connectingTo(PgConnectOptions.fromUri(TestDatabase.url()))
            .using(vertx)
            .build();
    TracedConsumer.register(
        vertx,
        otel,
        "test.price",
        msg -> {
          Span own = Span.current();
          String sku = ((JsonObject) msg.body()).getJsonObject("params").getString("sku");
          return vertx
              .executeBlocking(
                  () -> {
                    expectCurrent(own, "executeBlocking");
                    return Math.abs(sku.hashCode() % 1000);
                  })
              .compose(
                  n -> {
                    expectCurrent(own, "after executeBlocking");
                    return pool.preparedQuery("SELECT $1::int + 1 AS price").execute(Tuple.of(n));
                  })
              .compose(
                  rows -> {
                    expectCurrent(own, "after the pg query");
                    int price = rows.iterator().next().getInteger("price");
                    return vertx.timer(1, TimeUnit.MILLISECONDS).map(price);
                  })
              .map(
                  price -> {
                    expectCurrent(own, "after a timer");
                    return new JsonObject()
                        .put("sku", sku)
                        .put("price", price)
                        .put("consumerTrace", own.getSpanContext().getTraceId());
                  });
        });
    TracedConsumer.register(vertx, otel, "test.slow", msg -> vertx.timer(1000).mapEmpty());
    TracedConsumer.register(
        vertx,
        otel,
        "test.failing",
        msg ->
            Future.failedFuture(
                new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 409, "out of stock")));
    TracedConsumer.register(
        vertx,
        otel,
        "test.created",
        msg ->
            Future.succeededFuture(
                TracedConsumer.Reply.of(new JsonObject().put("id", 7), 201)
                    .header("Location", "/orders/7")));
    for (int i = 0; i < 2; i++) {
      TracedConsumer.register(vertx, otel, "test.restock", msg -> vertx.timer(20).mapEmpty());
    }
  }

  static void expectCurrent(Span own, String where) {
    SpanContext current = Span.current().getSpanContext();
    if (!current.equals(own.getSpanContext())) {
      wrongContext.add(
          where + ": " + current.getSpanId() + " instead of " + own.getSpanContext().getSpanId());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    pool.close().await(5, TimeUnit.SECONDS);
    gateway.close();
    receiver.close();
  }

  @Test
  void sixHundredConcurrentRequestsEachMakeOneConnectedTree() throws Exception {
    for (int i = 0; i < 20; i++) { // warm: the first requests load classes and link lambdas
      assertThat(gateway.get("/price/warm-" + i).statusCode()).isEqualTo(200);
    }
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      sent.add(
          TestGateway.http()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(gateway.url("/price/SKU-" + i))).build(),
                  HttpResponse.BodyHandlers.ofString()));
    }
    List<String> traces = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      HttpResponse<String> resp = sent.get(i).get(60, TimeUnit.SECONDS);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonObject body = new JsonObject(resp.body());
      String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
      assertThat(body.getString("sku")).isEqualTo("SKU-" + i);
      assertThat(body.getString("consumerTrace"))
          .as("the consumer ran in the request's trace")
          .isEqualTo(traceId);
      traces.add(traceId);
    }
    assertThat(wrongContext).as("consumer code that found another span current").isEmpty();

    // every span of every tree: the SERVER span ends after the answer is out, so it can reach the
    // receiver a batch after the client has its response and the inner spans are in
    receiver.await(s -> traces.contains(s.traceId()), 4 * 600);
    Map<String, List<ReceivedSpan>> byTrace =
        receiver.spans().stream()
            .filter(s -> traces.contains(s.traceId()))
            .collect(Collectors.groupingBy(ReceivedSpan::traceId));
    for (String t : traces) {
      List<ReceivedSpan> spans = byTrace.get(t);
      ReceivedSpan server = only(spans, "SERVER");
      ReceivedSpan producer = only(spans, "PRODUCER");
      ReceivedSpan consumer = only(spans, "CONSUMER");
      ReceivedSpan query =
          spans.stream().filter(s -> s.name().equals("Query")).findFirst().orElseThrow();
      assertThat(spans).as("trace %s", t).hasSize(4);
      assertThat(producer.childOf(server)).isTrue();
      assertThat(producer.name()).isEqualTo("send test.price");
      assertThat(producer.attributes())
          .containsEntry("messaging.system", "vertx-eventbus")
          .containsEntry("messaging.destination.name", "test.price")
          .containsEntry("messaging.operation.type", "send");
      assertThat(consumer.childOf(producer)).isTrue();
      assertThat(consumer.name()).isEqualTo("process test.price");
      assertThat(query.childOf(consumer)).as("the consumer's SQL span").isTrue();
    }
  }

  @Test
  void composeStepCallsTheBusUnderItsStepSpan() throws Exception {
    HttpResponse<String> resp = gateway.get("/combo/ABC");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getJsonObject("price").getString("sku"))
        .isEqualTo("ABC");
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    List<ReceivedSpan> spans = receiver.awaitTrace(traceId, 5);
    ReceivedSpan step =
        spans.stream().filter(s -> s.name().equals("compose price")).findFirst().orElseThrow();
    ReceivedSpan producer = only(spans, "PRODUCER");
    assertThat(producer.childOf(step)).isTrue();
    assertThat(only(spans, "CONSUMER").childOf(producer)).isTrue();
  }

  @Test
  void noReplyInTimeIsBusTimeout() throws Exception {
    assertFailure("/slow", 504, "bus_timeout", "timeout");
  }

  @Test
  void noConsumerIsBusUnavailable() throws Exception {
    assertFailure("/nobody", 503, "bus_unavailable", "no_handlers");
  }

  @Test
  void consumerFailureIsBusErrorWithItsCode() throws Exception {
    ReceivedSpan producer = assertFailure("/failing", 502, "bus_error", "409");
    assertThat(producer.statusMessage()).contains("code 409").contains("out of stock");
    // the failure travels back as a reply like any other: no span of Vert.x's own for it (it
    // would end before the SERVER span, so it would have been exported with it or before)
    receiver.await(s -> s.traceId().equals(producer.traceId()) && s.kind().equals("SERVER"), 1);
    assertThat(receiver.trace(producer.traceId()))
        .extracting(ReceivedSpan::kind)
        .containsExactlyInAnyOrder("SERVER", "PRODUCER", "CONSUMER");
  }

  @Test
  void replyMaySetStatusAndHeaders() throws Exception {
    HttpResponse<String> resp = gateway.get("/created");
    assertThat(resp.statusCode()).isEqualTo(201);
    assertThat(resp.headers().firstValue("Location")).hasValue("/orders/7");
    assertThat(new JsonObject(resp.body()).getInteger("id")).isEqualTo(7);
  }

  @Test
  void publishAnswers202AndEveryConsumerSpanIsLinkedToTheProducer() throws Exception {
    HttpResponse<String> resp =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(gateway.url("/restock")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"ESP-1\",\"qty\":5}")));
    assertThat(resp.statusCode()).isEqualTo(202);
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    List<ReceivedSpan> consumers =
        receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("CONSUMER"), 2);
    ReceivedSpan producer = only(receiver.trace(traceId), "PRODUCER");
    assertThat(producer.name()).isEqualTo("publish test.restock");
    assertThat(consumers)
        .hasSize(2)
        .allSatisfy(
            c -> {
              assertThat(c.childOf(producer)).isTrue();
              assertThat(c.links()).as("link to the producer").contains(producer.spanId());
            });
  }

  private static ReceivedSpan assertFailure(String path, int status, String key, String errorType)
      throws Exception {
    HttpResponse<String> resp = gateway.get(path);
    assertThat(resp.statusCode()).isEqualTo(status);
    assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo(key);
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan producer =
        receiver.await(s -> s.traceId().equals(traceId) && s.kind().equals("PRODUCER"), 1).get(0);
    assertThat(producer.isError()).isTrue();
    assertThat(producer.attr("error.type")).isEqualTo(errorType);
    return producer;
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String kind) {
    List<ReceivedSpan> found = spans.stream().filter(s -> s.kind().equals(kind)).toList();
    assertThat(found).as("%s spans", kind).hasSize(1);
    return found.get(0);
  }
}
