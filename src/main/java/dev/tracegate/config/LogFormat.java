package dev.tracegate.config;

/**
 * How a log line is written: {@code text} (for people) or {@code json} (one object per line, for
 * machines).
 */
public enum LogFormat {
  TEXT,
  JSON
}
