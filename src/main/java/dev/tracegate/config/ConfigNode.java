package dev.tracegate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One YAML mapping being read into typed values. Every read names its key path, so a bad value
 * becomes a {@link ConfigException} that says exactly where it is; {@link #finish()} rejects keys
 * nobody read (a typo is an error, not a silently ignored setting).
 */
final class ConfigNode {
  private final String path;
  private final Map<String, Object> values;
  private final EnvOverrides env;
  private final Set<String> read = new LinkedHashSet<>();

  private ConfigNode(String path, Map<String, Object> values, EnvOverrides env) {
    this.path = path;
    this.values = values;
    this.env = env;
  }

  /** A mapping read without environment overrides. */
  static ConfigNode of(String path, Object value) {
    return of(path, value, EnvOverrides.NONE);
  }

  /** The root (or any) mapping; each key read consults {@code env} first. */
  static ConfigNode of(String path, Object value, EnvOverrides env) {
    if (value == null) {
      return new ConfigNode(path, Map.of(), env);
    }
    if (!(value instanceof Map)) {
      throw new ConfigException(path, "expected a mapping of keys, got '" + value + "'");
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    ((Map<?, ?>) value).forEach((k, v) -> copy.put(String.valueOf(k), v));
    return new ConfigNode(path, copy, env);
  }

  /** Item {@code index} of the list under {@code name}, as a mapping ({@code routes[2]}). */
  ConfigNode item(String name, int index, Object value) {
    return of(key(name) + "[" + index + "]", value, env);
  }

  String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  boolean has(String name) {
    return values.get(name) != null || env.lookup(key(name)) != null;
  }

  Set<String> keys() {
    return values.keySet();
  }

  Object raw(String name) {
    read.add(name);
    String fromEnv = values.get(name) instanceof Map ? null : env.lookup(key(name));
    return fromEnv != null ? fromEnv : values.get(name);
  }

  ConfigNode child(String name) {
    return of(key(name), raw(name), env);
  }

  String string(String name, String fallback) {
    Object v = raw(name);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Map || v instanceof List) {
      throw new ConfigException(key(name), "expected a single value");
    }
    return String.valueOf(v);
  }

  String requiredString(String name) {
    String v = string(name, null);
    if (v == null || v.isBlank()) {
      throw new ConfigException(key(name), "is required");
    }
    return v;
  }

  long integer(String name, long fallback, long min, long max) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "'" + v + "' is not a whole number");
    }
    if (n < min || n > max) {
      throw new ConfigException(key(name), n + " is out of range " + min + ".." + max);
    }
    return n;
  }

  double decimal(String name, double fallback, double min, double max) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name), "'" + v + "' is not a number");
    }
    if (!(d >= min && d <= max)) {
      throw new ConfigException(key(name), v + " is out of range " + min + ".." + max);
    }
    return d;
  }

  boolean bool(String name, boolean fallback) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    switch (v.trim().toLowerCase()) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new ConfigException(key(name), "'" + v + "' is not true or false");
    }
  }

  Duration duration(String name, Duration fallback) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    Duration d = Durations.parse(key(name), v);
    if (d.isZero()) {
      throw new ConfigException(key(name), "must be longer than 0");
    }
    return d;
  }

  /**
   * A list of scalars; a comma-separated string (as environment variables give) is accepted too.
   */
  List<String> strings(String name, List<String> fallback) {
    Object v = raw(name);
    if (v == null) {
      return fallback;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof List) {
      for (Object o : (List<?>) v) {
        out.add(String.valueOf(o).trim());
      }
    } else if (v instanceof Map) {
      throw new ConfigException(key(name), "expected a list");
    } else {
      for (String s : String.valueOf(v).split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return List.copyOf(out);
  }

  <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
    String v = string(name, null);
    if (v == null) {
      return fallback;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v.trim())) {
        return e;
      }
    }
    throw new ConfigException(key(name), "'" + v + "' is not one of " + names(type));
  }

  private static <E extends Enum<E>> String names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase());
    }
    return String.join(", ", names);
  }

  /** Rejects keys that no reader asked for. */
  void finish() {
    for (String k : values.keySet()) {
      if (!read.contains(k)) {
        throw new ConfigException(key(k), "unknown key");
      }
    }
  }
}
