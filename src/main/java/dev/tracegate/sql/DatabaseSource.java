package dev.tracegate.sql;

import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where PostgreSQL is: {@code database.url} when the configuration gives one, else (with {@code
 * database.embedded: true}) an embedded server started here and stopped by {@link #close}. The one
 * place that decides, for the gateway and the demo alike (the demo resolves first, so its seed
 * data, its services and its gateway share the server).
 */
public final class DatabaseSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseSource.class);

  private final String url;
  private final EmbeddedDatabase embedded;

  private DatabaseSource(String url, EmbeddedDatabase embedded) {
    this.url = url;
    this.embedded = embedded;
  }

  /**
   * The configured URL, or an embedded PostgreSQL started now when {@code database.embedded} says
   * so; neither is a configuration error naming {@code database.url}.
   */
  public static DatabaseSource resolve(GatewayConfig.Database config) throws IOException {
    if (config.url().isPresent()) {
      return new DatabaseSource(config.url().get(), null);
    }
    ConfigLoader.requireDatabase(config);
    EmbeddedDatabase db = EmbeddedDatabase.start();
    return new DatabaseSource(db.url(), db);
  }

  public String url() {
    return url;
  }

  /**
   * {@code config} pointing at this database, so that whatever starts from it finds the same
   * server.
   */
  public GatewayConfig pointedHere(GatewayConfig config) {
    return config.withDatabase(config.database().withUrl(url));
  }

  /** Stops the embedded server, if this source started one. */
  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
      } catch (Exception e) {
        LOG.warn("tracegate: stopping the embedded PostgreSQL failed: " + e);
      }
    }
  }
}
