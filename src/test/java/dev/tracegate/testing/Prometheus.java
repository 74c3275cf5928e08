package dev.tracegate.testing;

/** Reads one series out of a Prometheus text exposition, as a scraper would. */
public final class Prometheus {
  private Prometheus() {}

  /** The value of {@code series} (name and labels exactly as exposed), or -1 when it is absent. */
  public static double value(String exposition, String series) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElse(-1);
  }
}
