package dev.tracegate.route;

import io.vertx.core.Future;

/**
 * The last step of a request: proxy, SQL or compose. It writes the response itself on success and
 * returns a failed future (a {@link GatewayError}, ideally) otherwise; it never throws. Every span
 * it starts it also ends, on every path, and it registers with {@link Exchange#onCancel} whatever
 * must stop when the request is abandoned.
 */
@FunctionalInterface
public interface RouteTarget {
  Future<Void> serve(Exchange exchange);

  /**
   * Whether the target reads the request body (the gateway then reads it, bounded, before calling).
   */
  default boolean needsBody() {
    return true;
  }

  /**
   * Whether this request's body may be streamed through instead of read first (see {@link
   * Exchange#streamedBody()}); the gateway then pauses the request and checks only its declared
   * length against {@code server.maxBodyBytes}.
   */
  default boolean streamsBody(io.vertx.core.http.HttpServerRequest request) {
    return false;
  }
}
