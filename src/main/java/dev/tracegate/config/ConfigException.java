package dev.tracegate.config;

/**
 * A configuration problem, named by its YAML key path ({@code routes[1].proxy.timeout}). Its
 * message is the single line printed before tracegate exits with code 2.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ConfigException(String key, String problem) {
    super(key.isEmpty() ? problem : key + ": " + problem);
    this.key = key;
  }

  /** The YAML key path the problem belongs to; empty for the file as a whole. */
  public String key() {
    return key;
  }
}
