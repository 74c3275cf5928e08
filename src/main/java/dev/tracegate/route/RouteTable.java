package dev.tracegate.route;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Matches a request once to its {@link Route}: the most specific path pattern wins (literal
 * segments over captures over wildcards), then the method decides between the routes of that path.
 */
public final class RouteTable {
  private final List<PathGroup> groups;

  public RouteTable(List<Route> routes) {
    Map<String, PathGroup> byPath = new LinkedHashMap<>();
    for (Route r : routes) {
      byPath.computeIfAbsent(r.path(), p -> new PathGroup(new PathPattern(p))).add(r);
    }
    List<PathGroup> sorted = new ArrayList<>(byPath.values());
    sorted.sort(Comparator.comparingInt((PathGroup g) -> g.pattern.specificity()).reversed());
    this.groups = List.copyOf(sorted);
  }

  /** The outcome of matching: a route with its path parameters, or why there is none. */
  public static final class Match {
    public final Route route;
    public final Map<String, String> params;
    public final ErrorKey miss;
    public final Set<String> allowed;

    private Match(Route route, Map<String, String> params, ErrorKey miss, Set<String> allowed) {
      this.route = route;
      this.params = params;
      this.miss = miss;
      this.allowed = allowed;
    }
  }

  private static final Match NOT_FOUND = new Match(null, Map.of(), ErrorKey.NOT_FOUND, Set.of());

  /** For requests that never reached matching (the decoder rejected them). */
  static final Match NO_MATCH = new Match(null, Map.of(), ErrorKey.BAD_REQUEST, Set.of());

  private static final Match BAD_PATH = new Match(null, Map.of(), ErrorKey.BAD_REQUEST, Set.of());

  public Match match(String method, String rawPath) {
    if (!isSafe(rawPath)) {
      return BAD_PATH;
    }
    String[] parts = PathPattern.split(rawPath);
    for (PathGroup g : groups) {
      if (g.pattern.matches(parts)) {
        Route r = g.byMethod.get(method);
        if (r == null) {
          return new Match(null, Map.of(), ErrorKey.METHOD_NOT_ALLOWED, g.byMethod.keySet());
        }
        Map<String, String> params = g.pattern.captured(parts);
        if (!params.isEmpty()) {
          params.replaceAll((k, v) -> decode(v));
        }
        return new Match(r, params, null, Set.of());
      }
    }
    return NOT_FOUND;
  }

  /**
   * Rejects paths that could escape a route's prefix once an upstream normalizes them: dot segments
   * (also with {@code ;} parameters, {@code ..;}, which Tomcat and Spring resolve as {@code ..}),
   * encoded slashes or backslashes, control bytes, and anything not starting with a slash.
   */
  static boolean isSafe(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return false;
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    if (path.indexOf('%') >= 0) {
      String lower = path.toLowerCase();
      if (lower.contains("%2f")
          || lower.contains("%5c")
          || lower.contains("%00")
          || lower.contains("%2e")) {
        return false;
      }
    }
    if (path.indexOf('\\') >= 0) {
      return false;
    }
    if (path.contains("/.")) {
      for (String seg : path.split("/", -1)) {
        int params = seg.indexOf(';');
        String name = params < 0 ? seg : seg.substring(0, params);
        if (name.equals(".") || name.equals("..")) {
          return false;
        }
      }
    }
    return true;
  }

  private static String decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return segment;
    }
  }

  private static final class PathGroup {
    final PathPattern pattern;
    final Map<String, Route> byMethod = new HashMap<>();

    PathGroup(PathPattern pattern) {
      this.pattern = pattern;
    }

    void add(Route r) {
      for (String m : r.config().methods()) {
        byMethod.putIfAbsent(m, r);
      }
      if (r.config().methods().contains("GET")) {
        byMethod.putIfAbsent("HEAD", r);
      }
    }
  }
}
