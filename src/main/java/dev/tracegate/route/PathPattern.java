package dev.tracegate.route;

import java.util.ArrayList;
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

  PathPattern(String text) {
    this.text = text;
    String body = text;
    this.wildcard = body.endsWith("/*");
    if (wildcard) {
      body = body.substring(0, body.length() - 2);
    }
    this.segments = split(body);
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

  /** Fills {@code params} and returns true when {@code path} matches. */
  boolean match(String path, Map<String, String> params) {
    String[] parts = split(path);
    if (parts.length < segments.length || (!wildcard && parts.length != segments.length)) {
      return false;
    }
    for (int i = 0; i < segments.length; i++) {
      String seg = segments[i];
      if (seg.startsWith(":")) {
        if (parts[i].isEmpty()) {
          return false;
        }
        params.put(seg.substring(1), parts[i]);
      } else if (!seg.equals(parts[i])) {
        return false;
      }
    }
    return true;
  }

  private static String[] split(String path) {
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
