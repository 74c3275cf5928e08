package dev.tracegate.telemetry;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * Reads propagation headers from a Vert.x {@link MultiMap}: HTTP request headers, event-bus message
 * headers. {@code tracestate} and {@code baggage} are lists (W3C Trace Context, W3C Baggage): a
 * request may split them over several header lines, which RFC 9110 says mean the same as one line
 * of their values joined by commas, in order. The propagators read one value, so they are given
 * that joined value, empty lines left out; every other header is read as its first value.
 */
public enum MultiMapGetter implements TextMapGetter<MultiMap> {
  INSTANCE;

  @Override
  public Iterable<String> keys(MultiMap carrier) {
    return carrier.names();
  }

  @Override
  public String get(MultiMap carrier, String key) {
    if (carrier == null) {
      return null;
    }
    if (!"tracestate".equals(key) && !"baggage".equals(key)) {
      return carrier.get(key);
    }
    List<String> lines = carrier.getAll(key);
    if (lines.size() <= 1) {
      return lines.isEmpty() ? null : lines.get(0);
    }
    StringBuilder joined = new StringBuilder();
    for (String line : lines) {
      if (!line.isBlank()) {
        if (joined.length() > 0) {
          joined.append(',');
        }
        joined.append(line.strip());
      }
    }
    return joined.length() == 0 ? null : joined.toString();
  }
}
