package dev.tracegate.proxy;

import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.GatewayError;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Maps what the HTTP client reports to the contract's error keys and the spans' {@code error.type}.
 */
final class UpstreamFailures {
  static final String CONNECTION_CLOSED = "connection_closed";
  static final String QUEUE_FULL = "queue_full";

  private UpstreamFailures() {}

  static GatewayError classify(Throwable t, String upstream) {
    if (t instanceof StreamResetException && t.getCause() instanceof GatewayError) {
      return (GatewayError) t.getCause();
    }
    if (t instanceof GatewayError) {
      return (GatewayError) t;
    }
    if (t instanceof io.netty.channel.ConnectTimeoutException) {
      return noConnection(upstream, t);
    }
    if (t instanceof ConnectException) {
      return new GatewayError(
          ErrorKey.UPSTREAM_UNAVAILABLE,
          "upstream '" + upstream + "' refused the connection",
          "connection_refused",
          t);
    }
    if (t instanceof HttpClosedException
        || t instanceof IOException && !(t instanceof SSLException)) {
      // typically a pooled keep-alive connection the upstream closed just as the request went out
      return new GatewayError(
          ErrorKey.UPSTREAM_UNAVAILABLE,
          "upstream '" + upstream + "' closed the connection before answering",
          CONNECTION_CLOSED,
          t);
    }
    if (t instanceof TimeoutException) {
      return wentIdle(upstream);
    }
    return new GatewayError(
        ErrorKey.UPSTREAM_UNAVAILABLE,
        "upstream '" + upstream + "' failed: " + t.getClass().getSimpleName(),
        t.getClass().getName(),
        t);
  }

  /** No connection came in time, new or pooled (see UpstreamCall.Attempt.run). */
  static GatewayError noConnection(String upstream) {
    return noConnection(upstream, null);
  }

  private static GatewayError noConnection(String upstream, Throwable cause) {
    return new GatewayError(
        ErrorKey.UPSTREAM_CONNECT_TIMEOUT,
        "no connection to upstream '" + upstream + "' within its connectTimeout",
        "connect_timeout",
        cause);
  }

  /** Too many attempts wait for a connection to one endpoint already: refused, not queued. */
  static GatewayError queueFull(String upstream, int waiting) {
    return new GatewayError(
        ErrorKey.UPSTREAM_UNAVAILABLE,
        503,
        "upstream '"
            + upstream
            + "': "
            + waiting
            + " requests already wait for a connection to this endpoint",
        QUEUE_FULL,
        null);
  }

  /** The upstream sent nothing for its idleTimeout. */
  static GatewayError wentIdle(String upstream) {
    return new GatewayError(
        ErrorKey.UPSTREAM_TIMEOUT,
        "upstream '" + upstream + "' went idle past its idleTimeout",
        "timeout",
        null);
  }

  static GatewayError responseTimeout(String upstream, long ms) {
    return new GatewayError(
        ErrorKey.UPSTREAM_TIMEOUT,
        "upstream '" + upstream + "' sent no response headers within " + ms + "ms",
        "timeout",
        null);
  }

  /**
   * Failures worth another attempt (of an idempotent request): the request never reached the
   * upstream, the connection closed before any answer (a keep-alive connection the upstream had
   * just closed, or a restart), or no answer came in time.
   */
  static boolean retryable(GatewayError e) {
    return e.key() == ErrorKey.UPSTREAM_CONNECT_TIMEOUT
        || e.key() == ErrorKey.UPSTREAM_TIMEOUT
        || "connection_refused".equals(e.errorType())
        || CONNECTION_CLOSED.equals(e.errorType());
  }

  static boolean connectFailure(GatewayError e) {
    return e.key() == ErrorKey.UPSTREAM_CONNECT_TIMEOUT
        || "connection_refused".equals(e.errorType());
  }
}
