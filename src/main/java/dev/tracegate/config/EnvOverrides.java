package dev.tracegate.config;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code TRACEGATE_*} variables, applied as the configuration is read: each key a reader asks
 * for at path {@code upstreams.orders.timeout} (or {@code routes[0].proxy.timeout}) is first looked
 * up as {@code TRACEGATE_UPSTREAMS_ORDERS_TIMEOUT} ({@code TRACEGATE_ROUTES_0_PROXY_TIMEOUT}), so
 * every key the readers know is reachable, whether or not the file declares it, and the readers are
 * the one list of keys. A variable no read asked for names no key: {@link #checkAllUsed} makes that
 * an error instead of a silently ignored setting. {@code TRACEGATE_TEST_*} is the test suite's.
 */
final class EnvOverrides {
  static final String PREFIX = "TRACEGATE_";
  static final String RESERVED = "TRACEGATE_TEST_";
  static final EnvOverrides NONE = new EnvOverrides(Map.of());

  private final Map<String, String> vars = new TreeMap<>();
  private final Set<String> used = new TreeSet<>();

  EnvOverrides(Map<String, String> env) {
    env.forEach(
        (name, value) -> {
          if (name.startsWith(PREFIX) && !name.startsWith(RESERVED)) {
            vars.put(name, value);
          }
        });
  }

  /** The value a variable gives the key at {@code path}, or null; a variable read once is used. */
  synchronized String lookup(String path) {
    String name = variable(path);
    String value = vars.get(name);
    if (value != null) {
      used.add(name);
    }
    return value;
  }

  /** {@code routes[0].proxy.maxInFlight} -> {@code TRACEGATE_ROUTES_0_PROXY_MAX_IN_FLIGHT}. */
  static String variable(String path) {
    StringBuilder out = new StringBuilder(PREFIX);
    for (String part : path.replace("[", ".").replace("]", "").split("\\.")) {
      if (!part.isEmpty()) {
        if (out.length() > PREFIX.length()) {
          out.append('_');
        }
        out.append(snake(part));
      }
    }
    return out.toString();
  }

  /** Upper snake case of a camelCase key: {@code maxInFlight} -> {@code MAX_IN_FLIGHT}. */
  static String snake(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toUpperCase();
  }

  /** Fails on the first variable (in name order) that no key read. */
  synchronized void checkAllUsed() {
    for (String name : vars.keySet()) {
      if (!used.contains(name)) {
        throw new ConfigException(
            name,
            "names no configuration key (a typo, or a key this configuration does not "
                + "have, e.g. a route of another kind); "
                + RESERVED
                + "* is reserved for the test suite");
      }
    }
  }
}
