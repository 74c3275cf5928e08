package dev.tracegate.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A route path in vertx-web style, compiled once: literal segments, {@code :name} captures and a
 * trailing {@code *} that matches the rest (including nothing).
 */
final class PathPattern {
  private final String text;
  private final String[] segments;
  private final boolean wildcard;
  private final boolean captures;

  PathPattern(String text) {
    this.text = text;
    String body = text;
    this.wildcard = body.endsWith("/*");
    if (wildcard) {
      body = body.substring(0, body.length() - 2);
    }
    this.segments = split(body);
    boolean any = false;
    for (String seg : segments) {
      any |= seg.startsWith(":");
    }
    this.captures = any;
  }

  String text() {
    return text;
  }

  /** Literal segments first, longer first: the order in which overlapping routes are tried. */
  int specificity() {
    int literals = 0;
    for (String s : segments) {
      if (!s.startsWith(":")) {
        literals++;
      }
    }
    return literals * 1000 + segments.length * 10 + (wildcard ? 0 : 1);
  }

  /** Whether a path split by {@link #split} into {@code parts} matches. */
  boolean matches(String[] parts) {
    if (parts.length < segments.length || (!wildcard && parts.length != segments.length)) {
      return false;
    }
    for (int i = 0; i < segments.length; i++) {
      String seg = segments[i];
      if (seg.startsWith(":") ? parts[i].isEmpty() : !seg.equals(parts[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * What the {@code :name} segments captured from {@code parts}, which {@link #matches}, still
   * percent-encoded: an empty map, allocating nothing, when the pattern has none.
   */
  Map<String, String> captured(String[] parts) {
    if (!captures) {
      return Map.of();
    }
    Map<String, String> params = new HashMap<>(4);
    for (int i = 0; i < segments.length; i++) {
      if (segments[i].startsWith(":")) {
        params.put(segments[i].substring(1), parts[i]);
      }
    }
    return params;
  }

  /** A path's non-empty segments: split once per request, whichever patterns it is tried on. */
  static String[] split(String path) {
    List<String> out = new ArrayList<>();
    int start = 1;
    for (int i = 1; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        if (i > start) {
          out.add(path.substring(start, i));
        }
        start = i + 1;
      }
    }
    return out.toArray(new String[0]);
  }
}
