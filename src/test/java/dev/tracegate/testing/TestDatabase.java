package dev.tracegate.testing;

import dev.tracegate.sql.EmbeddedDatabase;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL the tests talk to: {@code TRACEGATE_TEST_PG_URL} when set (CI sets the machine's),
 * else one embedded server for the whole test JVM. Either way a real server over a real socket.
 * Setup and inspection go through JDBC, apart from the code under test.
 */
public final class TestDatabase {
  private static String url;

  private TestDatabase() {}

  /** A {@code postgresql://} URL as the gateway's {@code database.url} takes it. */
  public static synchronized String url() {
    if (url == null) {
      String fromEnv = System.getenv("TRACEGATE_TEST_PG_URL");
      if (fromEnv != null && !fromEnv.isBlank()) {
        url = fromEnv;
      } else {
        try {
          url = EmbeddedDatabase.start().url(); // stopped by its own hook when the test JVM exits
        } catch (Exception e) {
          throw new IllegalStateException(
              "no test database: set TRACEGATE_TEST_PG_URL or allow the embedded one", e);
        }
      }
    }
    return url;
  }

  public static URI uri() {
    return URI.create(url());
  }

  public static Connection connect() throws SQLException {
    URI u = uri();
    String user = u.getUserInfo() == null ? "postgres" : u.getUserInfo().split(":")[0];
    String password =
        u.getUserInfo() != null && u.getUserInfo().contains(":")
            ? u.getUserInfo().split(":", 2)[1]
            : "";
    int port = u.getPort() > 0 ? u.getPort() : 5432;
    return DriverManager.getConnection(
        "jdbc:postgresql://" + u.getHost() + ":" + port + u.getPath(), user, password);
  }

  public static void execute(String... statements) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  public static long count(String query) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
