package dev.tracegate.route;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Renders a {@link GatewayError} as the contract's JSON answer; the only place errors become
 * responses.
 */
final class ErrorResponses {
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorResponses() {}

  /**
   * Writes {@code {"error", "message", "traceId"}} with the key's status. When the response head is
   * already out (an upstream failed mid-body), the only honest signal left is to reset the stream.
   */
  static Future<Void> write(HttpServerResponse response, GatewayError error, String traceId) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    if (response.headWritten()) {
      return response.reset();
    }
    // whatever an upstream's answer had put on the response (length, type) does not describe this
    // one
    String connection = response.headers().get(HttpHeaders.CONNECTION);
    String requestId = response.headers().get(RequestIds.HEADER);
    String retryAfter = response.headers().get(HttpHeaders.RETRY_AFTER);
    response.headers().clear();
    if (retryAfter != null
        && (error.key() == ErrorKey.RATE_LIMITED || error.key() == ErrorKey.OVERLOADED)) {
      response.putHeader(
          HttpHeaders.RETRY_AFTER, retryAfter); // set by the gateway for this very answer
    }
    response.putHeader(RequestHandler.TRACE_ID_HEADER, traceId);
    if (requestId != null) {
      response.putHeader(RequestIds.HEADER, requestId);
    }
    if (connection != null) {
      response.putHeader(HttpHeaders.CONNECTION, connection);
    }
    String body =
        new JsonObject()
            .put("error", error.key().key())
            .put("message", error.getMessage())
            .put("traceId", traceId)
            .encode();
    return response
        .setStatusCode(error.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(body);
  }
}
