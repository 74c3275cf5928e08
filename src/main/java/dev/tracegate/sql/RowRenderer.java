package dev.tracegate.sql;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.lang.reflect.Array;
import java.time.temporal.Temporal;
import java.util.Base64;
import java.util.UUID;

/**
 * PostgreSQL values as natural JSON: numbers as numbers, booleans, nested JSON for json/jsonb,
 * ISO-8601 text for dates and times, UUIDs as text, bytea as base64, arrays as arrays, NULL as
 * null.
 */
final class RowRenderer {
  private RowRenderer() {}

  static JsonObject object(Row row) {
    JsonObject out = new JsonObject();
    for (int i = 0; i < row.size(); i++) {
      out.put(row.getColumnName(i), value(row.getValue(i)));
    }
    return out;
  }

  static Object value(Object v) {
    if (v == null || v == Tuple.JSON_NULL) {
      return null;
    }
    if (v instanceof Numeric) {
      Numeric n = (Numeric) v;
      return n.isNaN() ? "NaN" : n.bigDecimalValue();
    }
    if (v instanceof Number
        || v instanceof Boolean
        || v instanceof String
        || v instanceof JsonObject
        || v instanceof JsonArray) {
      return v;
    }
    if (v instanceof Temporal || v instanceof UUID) {
      return v.toString();
    }
    if (v instanceof Buffer) {
      return Base64.getEncoder().encodeToString(((Buffer) v).getBytes());
    }
    if (v.getClass().isArray()) {
      JsonArray arr = new JsonArray();
      for (int i = 0; i < Array.getLength(v); i++) {
        arr.add(value(Array.get(v, i)));
      }
      return arr;
    }
    return v.toString();
  }
}
