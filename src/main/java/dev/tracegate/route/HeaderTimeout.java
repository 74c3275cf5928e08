package dev.tracegate.route;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * Closes a new connection that has not completed its first request head in time, so slowloris
 * clients trickling header bytes cannot hold sockets forever. Later requests on a kept-alive
 * connection are bounded by the server's idle timeout instead. One per event loop, so a plain map.
 */
public final class HeaderTimeout implements Handler<HttpConnection> {
  private final Vertx vertx;
  private final long timeoutMs;
  private final Map<HttpConnection, Long> awaiting = new HashMap<>();

  public HeaderTimeout(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void handle(HttpConnection conn) {
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (awaiting.remove(conn) != null) {
        conn.close();
      }
    });
    awaiting.put(conn, timer);
    conn.closeHandler(v -> requestArrived(conn));
  }

  /** The connection delivered a request head (or went away): its timer is no longer needed. */
  void requestArrived(HttpConnection conn) {
    if (awaiting.isEmpty()) {
      return;
    }
    Long timer = awaiting.remove(conn);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
