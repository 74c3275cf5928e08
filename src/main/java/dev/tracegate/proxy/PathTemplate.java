package dev.tracegate.proxy;

import dev.tracegate.route.Exchange;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

/**
 * Expands upstream path templates: {@code {path.id}}, {@code {query.x}}, {@code {header.x}} and, in
 * compose steps, {@code {step.body.field}} from an earlier step's JSON answer. Every value is
 * percent-encoded as one path segment, so no value can add segments or escape the template.
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
      out.append(encode(resolve(template.substring(i + 1, close), ex, steps)));
      i = close + 1;
    }
    return out.toString();
  }

  private static String resolve(String ref, Exchange ex, Function<String, Object> steps) {
    String[] parts = ref.split("\\.");
    switch (parts[0]) {
      case "path": return ex.params().getOrDefault(parts[1], "");
      case "query": return nonNull(ex.request().getParam(parts[1]));
      case "header": return nonNull(ex.request().getHeader(parts[1]));
      default:
        Object node = steps == null ? null : steps.apply(parts[0]);
        for (int k = 2; k < parts.length && node != null; k++) {
          node = node instanceof JsonObject ? ((JsonObject) node).getValue(parts[k])
              : node instanceof Map ? ((Map<?, ?>) node).get(parts[k]) : null;
        }
        return node == null ? "" : String.valueOf(node);
    }
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
