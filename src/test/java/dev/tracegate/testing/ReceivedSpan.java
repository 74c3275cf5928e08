package dev.tracegate.testing;

import java.util.List;
import java.util.Map;

/**
 * A span as the collector received it, ids as lowercase hex; {@code links} holds the linked span
 * ids.
 */
public record ReceivedSpan(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    String kind,
    Map<String, Object> attributes,
    String status,
    String statusMessage,
    List<String> events,
    long startNanos,
    long endNanos,
    String service,
    Map<String, Object> resource,
    List<String> links) {

  public Object attr(String key) {
    return attributes.get(key);
  }

  public boolean isError() {
    return "ERROR".equals(status);
  }

  public boolean childOf(ReceivedSpan parent) {
    return traceId.equals(parent.traceId) && parentSpanId.equals(parent.spanId);
  }
}
