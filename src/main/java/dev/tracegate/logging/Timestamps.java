package dev.tracegate.logging;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** ISO-8601 UTC with milliseconds, always three digits: {@code 2026-12-02T11:43:06.120Z}. */
public final class Timestamps {
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  public static StringBuilder append(StringBuilder out, long epochMillis) {
    ISO_MILLIS.formatTo(Instant.ofEpochMilli(epochMillis), out);
    return out;
  }
}
