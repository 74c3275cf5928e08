package dev.tracegate.proxy;

import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

/**
 * Expands upstream path templates: {@code {path.id}}, {@code {query.x}}, {@code {header.x}} and, in
 * compose steps, {@code {step.body.field}} from an earlier step's JSON answer. Every value is
 * percent-encoded as one path segment, so no value can add segments or escape the template; a value
 * that would be a dot segment ({@code .} or {@code ..}, which percent-encoding leaves as they are
 * and an upstream resolves), or that is missing or empty (it would leave an empty segment, {@code
 * /quote/}), is refused: {@code 400 bad_request} when the client gave it, {@code 502
 * upstream_unavailable} when an earlier step's answer did.
 */
public final class PathTemplate {
  private PathTemplate() {}

  /** {@code steps} gives earlier steps' JSON answers by name; null outside compose. */
  public static String expand(String template, Exchange ex, Function<String, Object> steps) {
    StringBuilder out = new StringBuilder(template.length() + 16);
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      int close = c == '{' ? template.indexOf('}', i) : -1;
      if (close < 0) {
        out.append(c);
        i++;
        continue;
      }
      String ref = template.substring(i + 1, close);
      String value = resolve(ref, ex, steps);
      if (value == null || value.isEmpty()) {
        throw refused(ref, "is missing or empty", "missing_value");
      }
      if (value.equals(".") || value.equals("..")) {
        throw refused(ref, "may not be a dot segment ('.' or '..')", "dot_segment");
      }
      out.append(encode(value));
      i = close + 1;
    }
    return out.toString();
  }

  private static String resolve(String ref, Exchange ex, Function<String, Object> steps) {
    String[] parts = ref.split("\\.");
    switch (parts[0]) {
      case "path":
        return ex.params().get(parts[1]);
      case "query":
        return ex.request().getParam(parts[1]);
      case "header":
        return ex.request().getHeader(parts[1]);
      default:
        Object node = steps == null ? null : steps.apply(parts[0]);
        for (int k = 2; k < parts.length && node != null; k++) {
          node =
              node instanceof JsonObject
                  ? ((JsonObject) node).getValue(parts[k])
                  : node instanceof Map ? ((Map<?, ?>) node).get(parts[k]) : null;
        }
        return node == null ? null : String.valueOf(node);
    }
  }

  /**
   * A value that cannot make a path segment: the client's mistake (400) when the request gave it,
   * an upstream's (502) when an earlier step's answer did; either way no upstream is called.
   */
  private static GatewayError refused(String ref, String problem, String errorType) {
    boolean fromClient =
        ref.startsWith("path.") || ref.startsWith("query.") || ref.startsWith("header.");
    return fromClient
        ? new GatewayError(ErrorKey.BAD_REQUEST, "{" + ref + "} " + problem, errorType, null)
        : new GatewayError(
            ErrorKey.UPSTREAM_UNAVAILABLE,
            "{" + ref + "} from an earlier step's answer " + problem,
            errorType,
            null);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
