package dev.tracegate.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ComposeRouteTest {
  static OtlpReceiver receiver;
  static TestUpstream orders;
  static TestUpstream shipping;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    receiver = new OtlpReceiver();
    orders = new TestUpstream();
    shipping = new TestUpstream();
    gateway =
        TestGateway.start(
            ""
                + "database: { url: '"
                + TestDatabase.url()
                + "' }\n"
                + "upstreams:\n"
                + "  orders: { urls: ["
                + orders.url()
                + "] }\n"
                + "  shipping: { urls: ["
                + shipping.url()
                + "] }\n"
                + "routes:\n"
                + "  - name: summary\n    path: /summary/:id\n    compose:\n      timeout: 3s\n      steps:\n"
                + "        order: { proxy: { upstream: orders, path: '/orders/{path.id}?delay=300' } }\n"
                + "        stock: { sql: { query: 'SELECT $1::int AS id, pg_sleep(0.3)::text AS slept', params: ['path.id:int'], result: row } }\n"
                + "        shipping: { after: [order], proxy: { upstream: shipping, path: '/quote/{order.body.method}' }, required: false }\n"
                + "  - name: optional-fails\n    path: /optional\n    compose:\n      steps:\n"
                + "        order: { proxy: { upstream: orders, path: '/orders/1' } }\n"
                + "        shipping: { after: [order], proxy: { upstream: shipping, path: '/quote/x?status=503' }, required: false }\n"
                + "  - name: required-times-out\n    path: /stuck\n    compose:\n      timeout: 5s\n      steps:\n"
                + "        slow: { proxy: { upstream: orders, path: '/orders/slow?delay=3000', timeout: 300ms } }\n"
                + "        other: { proxy: { upstream: shipping, path: '/quote/other?delay=2000' } }\n"
                + "        later: { after: [other], proxy: { upstream: shipping, path: '/quote/later' } }\n"
                + "  - name: missing-field\n    path: /missing-field\n    compose:\n      steps:\n"
                + "        order: { proxy: { upstream: orders, path: '/orders/1' } }\n"
                + "        shipping: { after: [order], proxy: { upstream: shipping, path: '/quote/{order.body.zip}' }, required: false }\n"
                + "  - name: by-zip\n    path: /by-zip\n    compose:\n      steps:\n"
                + "        quote: { proxy: { upstream: shipping, path: '/quote/{query.zip}' } }\n"
                + "  - name: whole-timeout\n    path: /whole\n    compose:\n      timeout: 300ms\n      steps:\n"
                + "        a: { proxy: { upstream: orders, path: '/orders/a?delay=2000' } }\n",
            receiver);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    orders.close();
    shipping.close();
    receiver.close();
  }

  private static Map<String, ReceivedSpan> byName(List<ReceivedSpan> spans) {
    return spans.stream()
        .collect(Collectors.toMap(ReceivedSpan::name, Function.identity(), (a, b) -> a));
  }

  @Test
  void independentStepsOverlapAndTheDependentOneFollowsItsDependency() throws Exception {
    HttpResponse<String> resp = gateway.get("/summary/7");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getJsonObject("order").getString("uri")).isEqualTo("/orders/7?delay=300");
    assertThat(body.getJsonObject("stock").getInteger("id")).isEqualTo(7);
    assertThat(body.getJsonObject("shipping").getString("uri")).isEqualTo("/quote/GET");
    assertThat(body.containsKey("errors")).isFalse();

    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    List<ReceivedSpan> spans = receiver.awaitTrace(trace, 7);
    Map<String, ReceivedSpan> named = byName(spans);
    ReceivedSpan server = named.get("GET /summary/:id");
    ReceivedSpan order = named.get("compose order");
    ReceivedSpan stock = named.get("compose stock");
    ReceivedSpan ship = named.get("compose shipping");
    assertThat(List.of(order, stock, ship))
        .allMatch(s -> s.kind().equals("INTERNAL") && s.childOf(server));
    assertThat(order.attr("tracegate.step")).isEqualTo("order");

    // order and stock ran at the same time; shipping waited for order
    assertThat(order.startNanos()).isLessThan(stock.endNanos());
    assertThat(stock.startNanos()).isLessThan(order.endNanos());
    assertThat(ship.startNanos()).isGreaterThanOrEqualTo(order.endNanos());

    List<ReceivedSpan> clients = spans.stream().filter(s -> s.kind().equals("CLIENT")).toList();
    assertThat(clients).hasSize(3);
    assertThat(clients.stream().filter(c -> c.childOf(order))).hasSize(1);
    assertThat(clients.stream().filter(c -> c.childOf(ship))).hasSize(1);
    assertThat(clients.stream().filter(c -> c.childOf(stock)).map(c -> c.attr("db.system.name")))
        .containsExactly("postgresql");
    assertThat(spans).noneMatch(ReceivedSpan::isError);
  }

  @Test
  void adminTraceViewDrawsTheComposeAsAWaterfall() throws Exception {
    HttpResponse<String> resp = gateway.get("/summary/8");
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    receiver.awaitTrace(trace, 7);

    HttpResponse<String> list =
        TestGateway.send(
            java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(gateway.adminUrl("/traces?limit=5"))));
    JsonObject first = new io.vertx.core.json.JsonArray(list.body()).getJsonObject(0);
    assertThat(first.getString("traceId")).isEqualTo(trace);
    assertThat(first.getString("root")).isEqualTo("GET /summary/:id");
    assertThat(first.getBoolean("error")).isFalse();

    String text =
        TestGateway.send(
                java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(gateway.adminUrl("/traces/" + trace + "?format=text"))))
            .body();
    List<String> lines = text.lines().toList();
    assertThat(lines.get(0)).startsWith("trace " + trace + "  7 spans");
    int server = indexOf(lines, "  GET /summary/:id [tracegate SERVER]");
    int order = indexOf(lines, "├─ compose order [tracegate INTERNAL]");
    int stock = indexOf(lines, "├─ compose stock [tracegate INTERNAL]");
    int ship = indexOf(lines, "└─ compose shipping [tracegate INTERNAL]");
    assertThat(server).isEqualTo(2);
    assertThat(lines.get(order + 1)).contains("│  └─ GET [tracegate CLIENT]");
    assertThat(lines.get(stock + 1)).contains("│  └─ summary.stock [tracegate CLIENT]");
    assertThat(lines.get(ship + 1)).contains("   └─ GET [tracegate CLIENT]");
    assertThat(ship).isGreaterThan(Math.max(order, stock));
    assertThat(text).doesNotContain("ERROR");

    JsonObject tree =
        new JsonObject(
            TestGateway.send(
                    java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(gateway.adminUrl("/traces/" + trace))))
                .body());
    JsonObject root = tree.getJsonArray("tree").getJsonObject(0);
    assertThat(root.getString("name")).isEqualTo("GET /summary/:id");
    assertThat(root.getJsonArray("children")).hasSize(3);
  }

  private static int indexOf(List<String> lines, String fragment) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i;
      }
    }
    throw new AssertionError("no line with '" + fragment + "' in:\n" + String.join("\n", lines));
  }

  @Test
  void optionalStepThatFailsLeavesNullAndAnErrorsEntry() throws Exception {
    HttpResponse<String> resp = gateway.get("/optional");

    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getJsonObject("order")).isNotNull();
    assertThat(body.containsKey("shipping")).isTrue();
    assertThat(body.getValue("shipping")).isNull();
    assertThat(body.getJsonObject("errors").getJsonObject("shipping").getString("error"))
        .isEqualTo("upstream_unavailable");
    String trace = resp.headers().firstValue("X-Trace-Id").orElseThrow();
    ReceivedSpan ship = byName(receiver.awaitTrace(trace, 5)).get("compose shipping");
    assertThat(ship.isError()).isTrue();
  }

  @Test
  void aTemplateValueMissingFromAnEarlierAnswerFailsTheStepWithoutCallingTheUpstream()
      throws Exception {
    shipping.clear();
    HttpResponse<String> resp = gateway.get("/missing-field");

    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject error =
        new JsonObject(resp.body()).getJsonObject("errors").getJsonObject("shipping");
    assertThat(error.getString("error")).isEqualTo("upstream_unavailable");
    assertThat(error.getString("message")).contains("{order.body.zip}");
    assertThat(shipping.received()).as("no call to /quote/ with an empty segment").isEmpty();
  }

  @Test
  void aTemplateValueTheClientLeftOutIsBadRequestAsForAnSqlParameter() throws Exception {
    shipping.clear();
    for (String path : List.of("/by-zip", "/by-zip?zip=")) {
      HttpResponse<String> resp = gateway.get(path);

      assertThat(resp.statusCode()).as(path).isEqualTo(400);
      JsonObject body = new JsonObject(resp.body());
      assertThat(body.getString("error")).isEqualTo("bad_request");
      assertThat(body.getString("message")).contains("{query.zip}");
    }
    assertThat(shipping.received()).isEmpty();
  }

  @Test
  void requiredStepTimingOutAnswersItsKeyAndCancelsTheRestWithoutOpenSpans() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> resp = gateway.get("/stuck");
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(resp.statusCode()).isEqualTo(504);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo("upstream_timeout");
    assertThat(body.getString("message")).startsWith("step 'slow'");
    assertThat(ms).isLessThan(1500);
    gateway.awaitNoOpenSpans();

    List<ReceivedSpan> spans = receiver.awaitTrace(body.getString("traceId"), 5);
    Map<String, ReceivedSpan> named = byName(spans);
    assertThat(named)
        .containsKeys("compose slow", "compose other")
        .doesNotContainKey("compose later");
    assertThat(named.get("compose slow").isError()).isTrue();
    assertThat(named.get("compose other").isError())
        .as("cancelled step ends, marked failed")
        .isTrue();
    assertThat(spans.stream().filter(s -> s.kind().equals("CLIENT")))
        .hasSize(2)
        .allMatch(ReceivedSpan::isError);

    String text =
        TestGateway.send(
                java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        gateway.adminUrl("/traces/" + body.getString("traceId") + "?format=text"))))
            .body();
    assertThat(text).contains("compose slow [tracegate INTERNAL]  ERROR timeout");
    assertThat(text.lines().findFirst().orElseThrow()).endsWith(", ERROR");
  }

  @Test
  void composeTimeoutIsDeadlineExceeded() throws Exception {
    HttpResponse<String> resp = gateway.get("/whole");

    assertThat(resp.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("deadline_exceeded");
    gateway.awaitNoOpenSpans();
  }
}
