package dev.tracegate.route;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Reads a request body up to {@code server.maxBodyBytes}: a declared length over the limit is
 * refused before a byte is read, a chunked body as soon as it crosses the limit.
 */
public final class BodyReader {
  private BodyReader() {}

  static boolean hasBody(HttpServerRequest req) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !length.equals("0");
    }
    return req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  /** The declared {@code Content-Length}, or -1 when there is none or it is not a number. */
  static long declaredLength(HttpServerRequest req) {
    return declaredLength(req.getHeader(HttpHeaders.CONTENT_LENGTH));
  }

  /** A {@code Content-Length} value as a number, or -1 when absent or not a number. */
  public static long declaredLength(String length) {
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The whole body, each chunk reserved in {@code budget} (what was reserved is added to {@code
   * ex}, for release when the request ends): past the budget, {@code 503 overloaded}.
   */
  static Future<Buffer> read(HttpServerRequest req, long maxBytes, BodyBudget budget, Exchange ex) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        return Future.failedFuture(
            new GatewayError(ErrorKey.BAD_REQUEST, "invalid Content-Length"));
      }
      if (declared > maxBytes) {
        return Future.failedFuture(tooLarge(maxBytes));
      }
      // a declared length is reserved whole, at once: first come, first served
      if (!budget.reserve(declared)) {
        return Future.failedFuture(overBudget());
      }
      ex.bufferedBytes(declared);
    }
    boolean reserved = length != null;
    Promise<Buffer> promise = Promise.promise();
    // the chunks as they came (each an exact-size heap copy Vert.x made off the socket), joined
    // without copying: what is held is what the budget counts, with no buffer doubling as it grows
    CompositeByteBuf body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
    req.handler(
        chunk -> {
          if (promise.future().isComplete()) {
            return; // refused already: the rest is discarded
          }
          if (body.readableBytes() + chunk.length() > maxBytes) {
            promise.tryFail(tooLarge(maxBytes));
          } else if (!reserved && !budget.reserve(chunk.length())) {
            promise.tryFail(overBudget());
          } else {
            if (!reserved) {
              ex.bufferedBytes(chunk.length());
            }
            body.addComponent(true, ((BufferInternal) chunk).getByteBuf());
          }
        });
    req.exceptionHandler(promise::tryFail);
    req.endHandler(v -> promise.tryComplete(BufferInternal.buffer(body)));
    return promise.future();
  }

  private static GatewayError overBudget() {
    return new GatewayError(
        ErrorKey.OVERLOADED,
        "request bodies held by the gateway are at server.maxBufferedBytes; try again shortly");
  }

  private static GatewayError tooLarge(long maxBytes) {
    return new GatewayError(
        ErrorKey.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBytes + " bytes");
  }
}
