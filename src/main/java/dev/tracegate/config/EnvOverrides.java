package dev.tracegate.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies {@code TRACEGATE_*} variables to the parsed YAML tree: {@code TRACEGATE_SERVER_PORT}
 * sets {@code server.port}, {@code TRACEGATE_UPSTREAMS_ORDERS_URLS} sets {@code upstreams.orders.urls}
 * (comma-separated for lists), {@code TRACEGATE_ROUTES_0_PROXY_TIMEOUT} the first route's proxy
 * timeout. Keys of the fixed sections may be set even when the file leaves them out.
 */
final class EnvOverrides {
  static final String PREFIX = "TRACEGATE_";

  private static final Map<String, List<String>> FIXED_SECTIONS = Map.of(
      "server", List.of("host", "port", "maxInFlight", "maxBodyBytes", "requestTimeout", "shutdownGrace",
          "headerTimeout", "eventLoops"),
      "accessLog", List.of("enabled", "format", "output", "sample", "otlp", "query"),
      "logging", List.of("format"),
      "eventBus", List.of("cluster", "host", "members"),
      "admin", List.of("host", "port"),
      "telemetry", List.of("serviceName", "exporter", "endpoint", "sampler", "samplerArg", "propagators", "recentTraces",
          "linkageSettle"),
      "database", List.of("url", "poolSize", "pipeliningLimit", "connectTimeout", "queryTimeout"));

  private EnvOverrides() {}

  static void apply(Map<String, Object> root, Map<String, String> env) {
    env.forEach((name, value) -> {
      if (name.startsWith(PREFIX)) {
        applyOne(root, name.substring(PREFIX.length()), value);
      }
    });
  }

  /** Upper snake case of a camelCase key: {@code maxInFlight} -> {@code MAX_IN_FLIGHT}. */
  static String snake(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toUpperCase();
  }

  private static void applyOne(Map<String, Object> root, String rest, String value) {
    for (var section : FIXED_SECTIONS.entrySet()) {
      String prefix = snake(section.getKey()) + "_";
      if (rest.startsWith(prefix)) {
        String leaf = rest.substring(prefix.length());
        for (String key : section.getValue()) {
          if (snake(key).equals(leaf)) {
            sectionOf(root, section.getKey()).put(key, value);
            return;
          }
        }
      }
    }
    walk(root, rest, value);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sectionOf(Map<String, Object> root, String name) {
    Object section = root.get(name);
    if (!(section instanceof Map)) {
      section = new LinkedHashMap<String, Object>();
      root.put(name, section);
    }
    return (Map<String, Object>) section;
  }

  /** Follows existing keys (and list indexes) whose snake form prefixes what is left of the name. */
  @SuppressWarnings("unchecked")
  private static boolean walk(Object node, String rest, String value) {
    if (node instanceof Map) {
      Map<String, Object> map = (Map<String, Object>) node;
      for (String key : map.keySet()) {
        String s = snake(key);
        if (s.equals(rest) && !(map.get(key) instanceof Map)) {
          map.put(key, value);
          return true;
        }
        if (rest.startsWith(s + "_") && walk(map.get(key), rest.substring(s.length() + 1), value)) {
          return true;
        }
      }
    } else if (node instanceof List) {
      List<Object> list = (List<Object>) node;
      int cut = rest.indexOf('_');
      String head = cut < 0 ? rest : rest.substring(0, cut);
      if (!head.chars().allMatch(Character::isDigit) || head.isEmpty()) {
        return false;
      }
      int index = Integer.parseInt(head);
      if (index >= list.size() || cut < 0) {
        return false;
      }
      return walk(list.get(index), rest.substring(cut + 1), value);
    }
    return false;
  }
}
