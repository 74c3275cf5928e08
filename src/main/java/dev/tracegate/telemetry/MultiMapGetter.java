package dev.tracegate.telemetry;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.MultiMap;

/** Reads propagation headers from a Vert.x {@link MultiMap}: HTTP request headers, event-bus message headers. */
public enum MultiMapGetter implements TextMapGetter<MultiMap> {
  INSTANCE;

  @Override
  public Iterable<String> keys(MultiMap carrier) {
    return carrier.names();
  }

  @Override
  public String get(MultiMap carrier, String key) {
    return carrier == null ? null : carrier.get(key);
  }
}
