package dev.tracegate.telemetry;

import dev.tracegate.config.TelemetryConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * {@code telemetry.captureHeaders}: copies the named request and response headers onto the SERVER
 * span as {@code http.request.header.<name>} / {@code http.response.header.<name>} (string arrays,
 * as the HTTP semantic conventions have them), each value cut at 256 characters. Credential headers
 * are refused when the configuration is read, so they can never get here.
 */
public final class HeaderCapture {
  public static final HeaderCapture NONE = new HeaderCapture(TelemetryConfig.CaptureHeaders.NONE);

  private final Header[] request;
  private final Header[] response;

  private record Header(String name, AttributeKey<List<String>> key) {}

  public HeaderCapture(TelemetryConfig.CaptureHeaders config) {
    this.request = headers(config.request(), "http.request.header.");
    this.response = headers(config.response(), "http.response.header.");
  }

  private static Header[] headers(List<String> names, String prefix) {
    return names.stream()
        .map(n -> new Header(n, AttributeKey.stringArrayKey(prefix + n)))
        .toArray(Header[]::new);
  }

  public void request(Span span, MultiMap headers) {
    if (request.length > 0 && span.isRecording()) { // else not even the method reference
      capture(request, headers, span::setAttribute);
    }
  }

  public void response(Span span, MultiMap headers) {
    if (response.length > 0 && span.isRecording()) {
      capture(response, headers, span::setAttribute);
    }
  }

  private static void capture(
      Header[] wanted, MultiMap headers, BiConsumer<AttributeKey<List<String>>, List<String>> set) {
    for (Header h : wanted) {
      List<String> values = values(headers, h.name);
      if (values != null) {
        set.accept(h.key, values);
      }
    }
  }

  private static List<String> values(MultiMap headers, String name) {
    List<String> all = headers.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>(all.size());
    for (String v : all) {
      int max = TelemetryConfig.CaptureHeaders.MAX_VALUE_LENGTH;
      out.add(v.length() > max ? v.substring(0, max) : v);
    }
    return out;
  }
}
