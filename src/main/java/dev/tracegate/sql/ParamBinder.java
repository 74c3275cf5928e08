package dev.tracegate.sql;

import dev.tracegate.config.RouteConfig.ParamType;
import dev.tracegate.config.RouteConfig.SqlParam;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Turns a request's path, query, header and body values into a statement's typed parameters. A
 * value that is missing or does not convert is a 400 naming the parameter, and no query is sent.
 * Values go only into the bound tuple: never into SQL text, spans or logs.
 */
final class ParamBinder {
  private ParamBinder() {}

  static Tuple bind(List<SqlParam> params, Exchange ex) {
    Tuple tuple = Tuple.tuple();
    JsonObject body = null;
    for (SqlParam p : params) {
      Object raw;
      switch (p.source()) {
        case PATH:
          raw = ex.params().get(p.name());
          break;
        case QUERY:
          raw = ex.request().getParam(p.name());
          break;
        case HEADER:
          raw = ex.request().getHeader(p.name());
          break;
        default:
          if (body == null) {
            body = jsonBody(ex);
          }
          raw = body.getValue(p.name());
      }
      if (raw == null) {
        throw bad(p, "is missing");
      }
      tuple.addValue(convert(p, raw));
    }
    return tuple;
  }

  private static JsonObject jsonBody(Exchange ex) {
    try {
      Object parsed = Json.decodeValue(ex.body());
      if (parsed instanceof JsonObject) {
        return (JsonObject) parsed;
      }
    } catch (DecodeException e) {
      // reported below
    }
    throw new GatewayError(ErrorKey.BAD_REQUEST, "the request body must be a JSON object");
  }

  private static Object convert(SqlParam p, Object raw) {
    ParamType type = p.type();
    if (type == ParamType.JSON) {
      return raw instanceof String ? parseJson(p, (String) raw) : raw;
    }
    String text = String.valueOf(raw).trim();
    try {
      switch (type) {
        case INT:
          return Integer.parseInt(text);
        case BIGINT:
          return Long.parseLong(text);
        case NUMERIC:
          return new BigDecimal(text);
        case UUID:
          return UUID.fromString(text);
        case BOOL:
          return bool(p, text);
        default:
          return String.valueOf(raw);
      }
    } catch (IllegalArgumentException e) {
      throw bad(p, "is not a valid " + type.name().toLowerCase(Locale.ROOT));
    }
  }

  private static Object parseJson(SqlParam p, String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      throw bad(p, "is not valid JSON");
    }
  }

  private static Boolean bool(SqlParam p, String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
      case "yes":
        return Boolean.TRUE;
      case "false":
      case "0":
      case "no":
        return Boolean.FALSE;
      default:
        throw bad(p, "is not a valid bool");
    }
  }

  private static GatewayError bad(SqlParam p, String problem) {
    return new GatewayError(ErrorKey.BAD_REQUEST, "parameter " + p + " " + problem);
  }
}
