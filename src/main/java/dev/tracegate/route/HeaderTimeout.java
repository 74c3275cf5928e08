package dev.tracegate.route;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Closes a connection whose next request head has not arrived within {@code server.headerTimeout}:
 * on a new connection from its opening, on a kept-alive one from the end of its last answer. So a
 * slowloris client trickling header bytes holds a socket no longer than that, on its first request
 * or any later one (an idle timeout would not do: every byte resets it). One per event loop, so a
 * plain map; one periodic sweep a quarter of the timeout apart does the closing, so a request costs
 * two field writes, not a timer set and cancelled. It is also what closes a kept-alive connection
 * left silent: the server has no idle timeout of its own (see GatewayVerticle).
 */
public final class HeaderTimeout implements Handler<HttpConnection> {
  private final long timeoutNanos;
  private final Map<HttpConnection, State> connections = new HashMap<>();

  /** Requests being served on a connection, and since when it has been waiting for a head. */
  private static final class State {
    int inFlight;
    long waitingSince;
    boolean cutOff;
  }

  /** Call on the event loop this handler serves: the sweep runs there. */
  public HeaderTimeout(Vertx vertx, long timeoutMs) {
    this.timeoutNanos = timeoutMs * 1_000_000;
    vertx.setPeriodic(Math.max(10, timeoutMs / 4), id -> sweep());
  }

  @Override
  public void handle(HttpConnection conn) {
    State state = new State();
    state.waitingSince = System.nanoTime();
    connections.put(conn, state);
    conn.closeHandler(v -> connections.remove(conn));
  }

  private void sweep() {
    if (connections.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    List<HttpConnection> late = null;
    for (Map.Entry<HttpConnection, State> e : connections.entrySet()) {
      State s = e.getValue();
      if (s.inFlight == 0 && now - s.waitingSince >= timeoutNanos) {
        s.cutOff = true;
        if (late == null) {
          late = new ArrayList<>();
        }
        late.add(e.getKey());
      }
    }
    if (late != null) {
      late.forEach(HttpConnection::close);
    }
  }

  /**
   * Whether this handler closed {@code conn} for its late head: what the decoder then hands over as
   * a request is the part that came, and nothing can be sent on the connection any more.
   */
  boolean cutOff(HttpConnection conn) {
    State state = connections.get(conn);
    return state != null && state.cutOff;
  }

  /** A request head arrived on {@code conn}: it is not waiting while the request is served. */
  void requestArrived(HttpConnection conn) {
    State state = connections.get(conn);
    if (state != null) {
      state.inFlight++;
    }
  }

  /** A request on {@code conn} was answered: with none left, the wait for the next head starts. */
  void requestDone(HttpConnection conn) {
    State state = connections.get(conn);
    if (state != null && --state.inFlight <= 0) {
      state.inFlight = 0;
      state.waitingSince = System.nanoTime();
    }
  }
}
