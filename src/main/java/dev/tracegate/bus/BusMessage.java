package dev.tracegate.bus;

import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The message a bus route sends (SPEC §9): {@code method}, {@code path}, {@code params} (the
 * route's path captures), {@code query}, {@code headers} (those named in {@code
 * telemetry.captureHeaders.request}) and {@code body} (the JSON body, or null).
 */
final class BusMessage {
  private BusMessage() {}

  static JsonObject of(Exchange ex, List<String> headerNames) {
    HttpServerRequest req = ex.request();
    JsonObject params = new JsonObject();
    ex.params().forEach(params::put);
    JsonObject query = new JsonObject();
    MultiMap q = req.params();
    for (String name : q.names()) {
      query.put(name, q.get(name));
    }
    JsonObject headers = new JsonObject();
    for (String name : headerNames) {
      String v = req.getHeader(name);
      if (v != null) {
        headers.put(name, v);
      }
    }
    return new JsonObject()
        .put("method", req.method().name())
        .put("path", req.path())
        .put("params", params)
        .put("query", query)
        .put("headers", headers)
        .put("body", body(ex.body()));
  }

  private static Object body(Buffer body) {
    if (body.length() == 0) {
      return null;
    }
    try {
      return Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new GatewayError(ErrorKey.BAD_REQUEST, "the request body is not JSON");
    }
  }
}
