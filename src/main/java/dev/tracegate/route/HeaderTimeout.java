package dev.tracegate.route;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * Closes a connection whose next request head has not arrived within {@code server.headerTimeout}:
 * on a new connection from its opening, on a kept-alive one from the end of its last answer. So a
 * slowloris client trickling header bytes holds a socket no longer than that, on its first request
 * or any later one (the idle timeout alone would not do: every byte resets it). One per event
 * loop, so a plain map.
 */
public final class HeaderTimeout implements Handler<HttpConnection> {
  private final Vertx vertx;
  private final long timeoutMs;
  private final Map<HttpConnection, State> connections = new HashMap<>();

  /** Requests being served on a connection, and the timer that runs while there are none. */
  private static final class State {
    int inFlight;
    long timer = -1;
  }

  public HeaderTimeout(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void handle(HttpConnection conn) {
    State state = new State();
    connections.put(conn, state);
    arm(conn, state);
    conn.closeHandler(v -> {
      State gone = connections.remove(conn);
      if (gone != null && gone.timer >= 0) {
        vertx.cancelTimer(gone.timer);
      }
    });
  }

  private void arm(HttpConnection conn, State state) {
    state.timer = vertx.setTimer(timeoutMs, id -> {
      if (state.timer == id && state.inFlight == 0) {
        conn.close();
      }
    });
  }

  /** A request head arrived on {@code conn}: no timer while it is served. */
  void requestArrived(HttpConnection conn) {
    State state = connections.get(conn);
    if (state == null) {
      return;
    }
    state.inFlight++;
    if (state.timer >= 0) {
      vertx.cancelTimer(state.timer);
      state.timer = -1;
    }
  }

  /** A request on {@code conn} was answered: with none left, the next head's time starts. */
  void requestDone(HttpConnection conn) {
    State state = connections.get(conn);
    if (state == null) {
      return;
    }
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (state.inFlight == 0 && state.timer < 0) {
      arm(conn, state);
    }
  }
}
