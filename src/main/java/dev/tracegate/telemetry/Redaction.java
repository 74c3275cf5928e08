package dev.tracegate.telemetry;

import java.util.Locale;
import java.util.Set;

/**
 * What never leaves the gateway verbatim: the values of secret-looking query parameters (in {@code
 * url.full} and access records) (URLs in logs: {@link dev.tracegate.util.Urls}).
 */
public final class Redaction {
  public static final String MASK = "REDACTED";

  private Redaction() {}

  /**
   * {@code query} with the value of every parameter named in {@code keys} (case-insensitive)
   * masked.
   */
  public static String query(String query, Set<String> keys) {
    if (query == null || query.isEmpty() || keys.isEmpty()) {
      return query;
    }
    String[] parts = query.split("&", -1);
    boolean masked = false;
    for (int i = 0; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String name = eq < 0 ? parts[i] : parts[i].substring(0, eq);
      if (eq >= 0 && keys.contains(name.toLowerCase(Locale.ROOT))) {
        parts[i] = name + "=" + MASK;
        masked = true;
      }
    }
    return masked ? String.join("&", parts) : query;
  }
}
