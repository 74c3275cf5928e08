package dev.tracegate.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.Ports;
import dev.tracegate.testing.TcpProxy;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL going away and coming back while the gateway runs, as the gateway's sockets see it.
 */
class DatabaseOutageTest {
  @Test
  void outageAnswersFastServiceUnavailableThenRecoversWithoutRestart() throws Exception {
    URI db = TestDatabase.uri();
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestUpstream upstream = new TestUpstream();
        TcpProxy link = new TcpProxy(db.getHost(), db.getPort() > 0 ? db.getPort() : 5432)) {
      TestDatabase.execute(
          "CREATE TABLE IF NOT EXISTS tg_outage (id int PRIMARY KEY)",
          "INSERT INTO tg_outage VALUES (1) ON CONFLICT DO NOTHING");
      String url =
          "postgresql://"
              + (db.getUserInfo() == null ? "" : db.getUserInfo() + "@")
              + "127.0.0.1:"
              + link.port()
              + db.getPath();
      try (TestGateway gateway =
          TestGateway.start(
              ""
                  + "database: { url: '"
                  + url
                  + "', connectTimeout: 500ms, queryTimeout: 1s }\n"
                  + "upstreams: { up: { urls: ["
                  + upstream.url()
                  + "] } }\n"
                  + "routes:\n"
                  + "  - { name: one, path: /one, sql: { query: 'SELECT id FROM tg_outage WHERE id = 1', result: row } }\n"
                  + "  - { name: proxied, path: /proxied, proxy: { upstream: up } }\n",
              receiver)) {
        assertThat(gateway.get("/one").statusCode()).isEqualTo(200);

        link.cut();

        for (int i = 0; i < 5; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> resp = gateway.get("/one");
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
          assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("db_unavailable");
          assertThat(ms)
              .as("answered within the connect timeout, not after a long pool wait")
              .isLessThan(1500);
        }
        // under load too: fifty at once, each answered fast
        java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> burst =
            new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 50; i++) {
          burst.add(
              TestGateway.http()
                  .sendAsync(
                      HttpRequest.newBuilder(URI.create(gateway.url("/one"))).build(),
                      HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : burst) {
          assertThat(f.get().statusCode()).isEqualTo(503);
        }
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ready(gateway) == 503);
        assertThat(gateway.get("/proxied").statusCode())
            .as("proxy routes are unaffected")
            .isEqualTo(200);

        link.restore();

        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> gateway.get("/one").statusCode() == 200);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ready(gateway) == 200);
      }
    }
  }

  @Test
  void readinessIsDownFromTheFirstPollWhenTheDatabaseIsUnreachableAtStart() throws Exception {
    try (OtlpReceiver receiver = new OtlpReceiver();
        TestGateway gateway =
            TestGateway.start(
                ""
                    + "database: { url: 'postgresql://postgres@127.0.0.1:"
                    + Ports.free()
                    + "/none', connectTimeout: 500ms }\n"
                    + "routes:\n"
                    + "  - { name: one, path: /one, sql: { query: 'SELECT 1 AS one', result: row } }\n",
                receiver)) {
      assertThat(ready(gateway)).isEqualTo(503);
      assertThat(gateway.get("/one").statusCode()).isEqualTo(503);
    }
  }

  private static int ready(TestGateway gateway) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/health/ready"))))
        .statusCode();
  }
}
