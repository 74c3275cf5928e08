package dev.tracegate.sql;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.logging.Logger;

/**
 * A throwaway PostgreSQL server for when no {@code database.url} is configured (the demo, a laptop):
 * real PostgreSQL binaries from a Maven artifact, in a temporary directory, on a free port.
 * PostgreSQL refuses to run as root, so as root this fails with a message saying to set a URL.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class.getName());

  private final EmbeddedPostgres server;

  private EmbeddedDatabase(EmbeddedPostgres server) {
    this.server = server;
  }

  /** Starts the server; blocking, so call it before the event loops need it, never on one. */
  public static EmbeddedDatabase start() throws IOException {
    if ("root".equals(System.getProperty("user.name"))) {
      throw new IOException("the embedded PostgreSQL cannot run as root; set database.url "
          + "(TRACEGATE_DATABASE_URL) to a PostgreSQL server instead");
    }
    long t0 = System.nanoTime();
    EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
    LOG.info("database: no database.url configured, started an embedded PostgreSQL on 127.0.0.1:" + pg.getPort()
        + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms (its data is discarded at exit)");
    return new EmbeddedDatabase(pg);
  }

  public String url() {
    return "postgresql://postgres@127.0.0.1:" + server.getPort() + "/postgres";
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
