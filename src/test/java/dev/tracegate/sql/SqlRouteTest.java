package dev.tracegate.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.ReceivedSpan;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlRouteTest {
  static OtlpReceiver receiver;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.execute(
        "DROP TABLE IF EXISTS tg_sqltest_stock",
        "CREATE TABLE tg_sqltest_stock (sku text PRIMARY KEY, qty int, price numeric(10,2), active boolean,"
            + " ref uuid, meta jsonb, updated timestamptz, note text)",
        "INSERT INTO tg_sqltest_stock VALUES"
            + " ('apple', 5, 1.25, true, '6f1c1d6e-64a2-4c9b-9f5e-2f4d1b6a7c11', '{\"color\":\"red\",\"tags\":[1,2]}',"
            + "  '2026-01-02T03:04:05Z', null),"
            + " ('pear', 12, 0.80, false, null, null, null, 'green')");
    receiver = new OtlpReceiver();
    gateway =
        TestGateway.start(
            ""
                + "database:\n  url: "
                + TestDatabase.url()
                + "\n"
                + "routes:\n"
                + "  - name: stock\n    path: /stock/:sku\n"
                + "    sql: { query: 'SELECT sku, qty, price, active, ref, meta, updated, note FROM tg_sqltest_stock WHERE sku = $1',"
                + " params: [path.sku], result: row }\n"
                + "  - name: plenty\n    path: /plenty\n"
                + "    sql: { query: 'SELECT sku FROM tg_sqltest_stock WHERE qty >= $1 ORDER BY sku', params: ['query.min:int'], result: rows }\n"
                + "  - name: restock\n    path: /stock/:sku/qty\n    methods: [POST]\n"
                + "    sql: { query: 'UPDATE tg_sqltest_stock SET qty = $2 WHERE sku = $1', params: [path.sku, 'body.qty:int'], result: count }\n"
                + "  - name: slow\n    path: /slow\n"
                + "    sql: { query: 'SELECT pg_sleep(5) AS slept', timeout: 200ms, result: rows }\n"
                + "  - name: broken\n    path: /broken\n"
                + "    sql: { query: 'SELECT 1 / (qty - qty) FROM tg_sqltest_stock', result: rows }\n"
                + "  - name: coerce\n    path: /coerce\n"
                + "    sql: { query: 'SELECT $1::int AS n', params: [query.v], result: row }\n"
                + "  - name: cast\n    path: /cast\n"
                + "    sql: { query: 'SELECT $1::text::int AS n', params: [query.v], result: row }\n",
            receiver);
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    receiver.close();
  }

  @Test
  void rowRouteRendersPostgresTypesAsNaturalJson() throws Exception {
    HttpResponse<String> resp = gateway.get("/stock/apple");

    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject row = new JsonObject(resp.body());
    assertThat(row.getString("sku")).isEqualTo("apple");
    assertThat(row.getValue("qty")).isEqualTo(5);
    assertThat(row.getValue("price")).isEqualTo(1.25);
    assertThat(row.getValue("active")).isEqualTo(true);
    assertThat(row.getString("ref")).isEqualTo("6f1c1d6e-64a2-4c9b-9f5e-2f4d1b6a7c11");
    assertThat(row.getJsonObject("meta"))
        .isEqualTo(new JsonObject().put("color", "red").put("tags", new JsonArray().add(1).add(2)));
    assertThat(row.getString("updated")).startsWith("2026-01-02T03:04:05");
    assertThat(row.containsKey("note")).isTrue();
    assertThat(row.getValue("note")).isNull();
  }

  @Test
  void noRowIsNotFound() throws Exception {
    HttpResponse<String> resp = gateway.get("/stock/kiwi");

    assertThat(resp.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("not_found");
  }

  @Test
  void rowsRouteBindsTypedQueryParameter() throws Exception {
    HttpResponse<String> resp = gateway.get("/plenty?min=10");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(new JsonArray(resp.body())).containsExactly(new JsonObject().put("sku", "pear"));
  }

  @Test
  void parameterThatDoesNotConvertIsBadRequestAndSendsNoQuery() throws Exception {
    HttpResponse<String> resp = gateway.get("/plenty?min=lots");

    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo("bad_request");
    assertThat(body.getString("message")).contains("query.min:int");
    String traceId = body.getString("traceId");
    List<ReceivedSpan> spans = receiver.awaitTrace(traceId, 1);
    // a DB span would be the SERVER span's child, so it would have ended, and been queued for
    // export, before it: with no span open, everything the request made has reached the receiver
    gateway.awaitNoOpenSpans();
    assertThat(receiver.trace(traceId))
        .as("no DB span, so no query")
        .extracting(ReceivedSpan::kind)
        .containsExactly("SERVER");
    assertThat(spans.get(0).isError()).isFalse();
  }

  @Test
  void countRouteUpdatesFromJsonBody() throws Exception {
    HttpResponse<String> resp =
        TestGateway.send(
            HttpRequest.newBuilder(URI.create(gateway.url("/stock/pear/qty")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"qty\": 13}")));

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getInteger("count")).isEqualTo(1);
    assertThat(TestDatabase.count("SELECT qty FROM tg_sqltest_stock WHERE sku = 'pear'"))
        .isEqualTo(13);
  }

  @Test
  void dbSpanIsChildOfServerSpanWithSemanticAttributesAndNoParameterValues() throws Exception {
    HttpResponse<String> resp = gateway.get("/stock/secret-sku-4711");
    String traceId = resp.headers().firstValue("X-Trace-Id").orElseThrow();

    List<ReceivedSpan> spans = receiver.awaitTrace(traceId, 2);
    ReceivedSpan server =
        spans.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
    ReceivedSpan db =
        spans.stream().filter(s -> s.kind().equals("CLIENT")).findFirst().orElseThrow();
    assertThat(db.childOf(server)).isTrue();
    assertThat(db.name()).isEqualTo("SELECT tg_sqltest_stock");
    assertThat(db.attributes())
        .containsEntry("db.system.name", "postgresql")
        .containsEntry("db.system", "postgresql")
        .containsEntry("db.operation.name", "SELECT")
        .containsEntry("db.collection.name", "tg_sqltest_stock")
        .containsEntry("db.namespace", TestDatabase.uri().getPath().substring(1))
        .containsEntry("server.address", TestDatabase.uri().getHost())
        .containsKey("server.port");
    assertThat((String) db.attr("db.query.text")).contains("WHERE sku = $1");
    for (ReceivedSpan s : spans) {
      assertThat(s.attributes().values())
          .noneMatch(
              v ->
                  String.valueOf(v).contains("secret-sku-4711")
                      && !String.valueOf(v).startsWith("/stock/"));
    }
    assertThat(spans).filteredOn(s -> s.kind().equals("CLIENT")).hasSize(1);
  }

  @Test
  void queryPastItsTimeoutIsCancelledOnTheServer() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> resp = gateway.get("/slow");
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(resp.statusCode()).isEqualTo(504);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo("db_timeout");
    assertThat(tookMs).isLessThan(2000);
    Awaitility.await()
        .atMost(Duration.ofSeconds(1))
        .until(
            () ->
                TestDatabase.count(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(5)%'")
                    == 0);

    List<ReceivedSpan> spans = receiver.awaitTrace(body.getString("traceId"), 2);
    ReceivedSpan db =
        spans.stream().filter(s -> s.kind().equals("CLIENT")).findFirst().orElseThrow();
    assertThat(db.isError()).isTrue();
    assertThat(db.attributes()).containsEntry("error.type", "timeout");
    assertThat(db.events()).contains("exception");
    ReceivedSpan server =
        spans.stream().filter(s -> s.kind().equals("SERVER")).findFirst().orElseThrow();
    // the DB span covers the gateway's wait, not the cancellation after it: it ends within the
    // request
    assertThat(db.endNanos()).isLessThanOrEqualTo(server.endNanos());
    assertThat(server.isError()).isTrue();
    assertThat(server.attr("http.response.status_code")).isEqualTo(504L);

    // the connection went back to the pool healthy
    assertThat(gateway.get("/stock/apple").statusCode()).isEqualTo(200);
  }

  @Test
  void sqlErrorIsDbErrorWithSqlstateInSpanButNotServerMessageInBody() throws Exception {
    HttpResponse<String> resp = gateway.get("/broken");

    assertThat(resp.statusCode()).isEqualTo(500);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("error")).isEqualTo("db_error");
    assertThat(body.getString("message")).contains("22012").doesNotContain("division");
    ReceivedSpan db =
        receiver.awaitTrace(body.getString("traceId"), 2).stream()
            .filter(s -> s.kind().equals("CLIENT"))
            .findFirst()
            .orElseThrow();
    assertThat(db.attributes()).containsEntry("db.response.status_code", "22012");
    assertThat(db.isError()).isTrue();
  }

  @ParameterizedTest
  @CsvSource({
    "/coerce?v=hunter2-secret, io.vertx.core.VertxException", // the pg client's coercion error
    // quotes the value
    "/cast?v=hunter2-secret, 22P02"
  }) // so does the server's: invalid input syntax ... "<value>"
  void aParameterValueQuotedByAnErrorNeverReachesTheSpan(String path, String errorType)
      throws Exception {
    HttpResponse<String> resp = gateway.get(path);
    assertThat(resp.statusCode()).isEqualTo(500);
    assertThat(resp.body()).doesNotContain("hunter2");
    String traceId = new JsonObject(resp.body()).getString("traceId");
    ReceivedSpan db =
        receiver.awaitTrace(traceId, 2).stream()
            .filter(s -> s.kind().equals("CLIENT"))
            .findFirst()
            .orElseThrow();
    assertThat(db.attributes()).containsEntry("error.type", errorType);
    assertThat(db.events()).contains("exception");
    assertThat(db.toString()).doesNotContain("hunter2");
    // the buffered trace, event attributes (exception.message, exception.stacktrace) included
    String buffered =
        TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/traces/" + traceId))))
            .body();
    assertThat(buffered).contains(errorType).doesNotContain("hunter2");
  }

  @Test
  void readinessIsUpWhileDatabaseAnswers() throws Exception {
    HttpResponse<String> resp =
        TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/health/ready"))));
    assertThat(resp.statusCode()).isEqualTo(200);
  }
}
