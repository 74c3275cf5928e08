package dev.tracegate.bus;

import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RouteTarget;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * A bus route: {@code request} answers with the consumer's reply (200 {@code application/json}, or
 * the status and headers the reply sets through its {@code x-status} and {@code x-header-*} message
 * headers); {@code publish} answers 202 once the message is handed to the bus.
 */
public final class BusTarget implements RouteTarget {
  public static final String STATUS_HEADER = "x-status";
  public static final String HEADER_PREFIX = "x-header-";

  private final BusCall call;
  private final List<String> headerNames;

  public BusTarget(BusCall call, List<String> headerNames) {
    this.call = call;
    this.headerNames = List.copyOf(headerNames);
  }

  @Override
  public Future<Void> serve(Exchange ex) {
    JsonObject message;
    try {
      message = BusMessage.of(ex, headerNames);
    } catch (GatewayError e) {
      return Future.failedFuture(e);
    }
    return call.call(ex, ex.context(), message)
        .compose(
            reply -> {
              HttpServerResponse out = ex.request().response();
              if (reply == null) {
                out.setStatusCode(202)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(new JsonObject().put("published", call.config().address()).encode());
                return Future.succeededFuture();
              }
              return answer(out, reply);
            });
  }

  private static Future<Void> answer(HttpServerResponse out, Message<Object> reply) {
    MultiMap headers = reply.headers();
    int status = 200;
    String given = headers.get(STATUS_HEADER);
    if (given != null) {
      try {
        status = Integer.parseInt(given.trim());
      } catch (NumberFormatException e) {
        status = -1;
      }
      if (status < 200 || status > 599) {
        return Future.failedFuture(
            new GatewayError(
                ErrorKey.BUS_ERROR,
                "the consumer replied with an invalid x-status '" + given + "'",
                "invalid_status",
                null));
      }
    }
    for (var h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(HEADER_PREFIX) && name.length() > HEADER_PREFIX.length()) {
        out.headers().add(h.getKey().substring(HEADER_PREFIX.length()), h.getValue());
      }
    }
    Object body = reply.body();
    Buffer bytes = body instanceof Buffer b ? b : Buffer.buffer(Json.encode(body));
    out.setStatusCode(status);
    if (out.headers().get(HttpHeaders.CONTENT_TYPE) == null) {
      out.putHeader(
          HttpHeaders.CONTENT_TYPE,
          body instanceof Buffer ? "application/octet-stream" : "application/json");
    }
    return out.end(bytes);
  }
}
