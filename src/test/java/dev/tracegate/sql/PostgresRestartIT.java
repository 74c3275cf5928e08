package dev.tracegate.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestDatabase;
import dev.tracegate.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A real PostgreSQL restart under a running gateway: SQL routes answer 503 fast while it is down,
 * readiness follows, and everything answers 200 again within seconds, without a gateway restart.
 * The machine's server is stopped and started with the commands in {@code TRACEGATE_TEST_PG_STOP}
 * and {@code TRACEGATE_TEST_PG_START} (CI sets {@code pg_ctlcluster} ones); without them an
 * embedded server is stopped and started again on the same port and data directory.
 */
class PostgresRestartIT {
  @Test
  void sqlRoutesRecoverByThemselvesAfterAPostgresRestart() throws Exception {
    try (RestartablePostgres pg = RestartablePostgres.create();
        OtlpReceiver receiver = new OtlpReceiver()) {
      try (TestGateway gateway =
          TestGateway.start(
              ""
                  + "database: { url: '"
                  + pg.url()
                  + "', connectTimeout: 500ms, queryTimeout: 1s }\n"
                  + "routes:\n  - { name: now, path: /now, sql: { query: 'SELECT 1 AS one', result: row } }\n",
              receiver)) {
        assertThat(gateway.get("/now").statusCode()).isEqualTo(200);

        pg.stop();
        List<Long> outageMs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> resp = gateway.get("/now");
          outageMs.add((System.nanoTime() - t0) / 1_000_000);
          assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
          assertThat(new JsonObject(resp.body()).getString("error")).isEqualTo("db_unavailable");
        }
        assertThat(outageMs).allMatch(ms -> ms < 1500);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ready(gateway) == 503);

        long restarted = System.nanoTime();
        pg.start();
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> gateway.get("/now").statusCode() == 200);
        System.out.printf(
            "postgres restart: 503s answered in %s ms; 200 again %d ms after the server was back%n",
            outageMs, (System.nanoTime() - restarted) / 1_000_000);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ready(gateway) == 200);
      }
    }
  }

  private static int ready(TestGateway gateway) throws Exception {
    return TestGateway.send(HttpRequest.newBuilder(URI.create(gateway.adminUrl("/health/ready"))))
        .statusCode();
  }

  /**
   * The machine's server restarted by a command, or an embedded one on a fixed port and directory.
   */
  interface RestartablePostgres extends AutoCloseable {
    String url();

    void stop() throws Exception;

    void start() throws Exception;

    static RestartablePostgres create() throws Exception {
      String stop = System.getenv("TRACEGATE_TEST_PG_STOP");
      String start = System.getenv("TRACEGATE_TEST_PG_START");
      if (stop != null && start != null && System.getenv("TRACEGATE_TEST_PG_URL") != null) {
        return new CommandControlled(TestDatabase.url(), stop, start);
      }
      return EmbeddedControlled.launch();
    }
  }

  /** Shell commands that stop and start the server the test URL points at. */
  static final class CommandControlled implements RestartablePostgres {
    private final String url;
    private final String stopCommand;
    private final String startCommand;
    private boolean stopped;

    CommandControlled(String url, String stopCommand, String startCommand) {
      this.url = url;
      this.stopCommand = stopCommand;
      this.startCommand = startCommand;
    }

    @Override
    public String url() {
      return url;
    }

    @Override
    public void stop() throws Exception {
      run(stopCommand);
      stopped = true;
    }

    @Override
    public void start() throws Exception {
      run(startCommand);
      stopped = false;
    }

    private static void run(String command) throws Exception {
      Process p = new ProcessBuilder("sh", "-c", command).inheritIO().start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(command).isZero();
    }

    @Override
    public void close() throws Exception {
      if (stopped) {
        start();
      }
    }
  }

  /** The embedded server stopped and started again on the same port and data directory. */
  static final class EmbeddedControlled implements RestartablePostgres {
    private final EmbeddedDatabase pg;

    private EmbeddedControlled(EmbeddedDatabase pg) {
      this.pg = pg;
    }

    static EmbeddedControlled launch() throws Exception {
      return new EmbeddedControlled(EmbeddedDatabase.start());
    }

    @Override
    public String url() {
      return pg.url();
    }

    @Override
    public void stop() throws Exception {
      pg.stopServer();
    }

    @Override
    public void start() throws Exception {
      pg.startServer();
    }

    @Override
    public void close() throws Exception {
      pg.close();
    }
  }
}
