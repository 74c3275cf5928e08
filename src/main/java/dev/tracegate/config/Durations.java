package dev.tracegate.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human durations of the configuration file: {@code 250ms}, {@code 2s}, {@code 1m},
 * {@code 1h}.
 */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private Durations() {}

  /** Returns the duration, or throws {@link ConfigException} naming {@code key}. */
  public static Duration parse(String key, String text) {
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(
          key, "'" + text + "' is not a duration (use e.g. 250ms, 2s, 1m, 1h)");
    }
    long amount = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      default:
        return Duration.ofHours(amount);
    }
  }

  /** The inverse of {@link #parse} for messages and logs. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0 || ms == 0) {
      return ms + "ms";
    }
    return (ms / 1000) + "s";
  }
}
