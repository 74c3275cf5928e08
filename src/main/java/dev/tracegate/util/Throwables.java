package dev.tracegate.util;

/** What lies at the bottom of a chain of causes. */
public final class Throwables {
  private Throwables() {}

  /** The innermost cause of {@code t} ({@code t} itself when it has none); null for null. */
  public static Throwable root(Throwable t) {
    while (t != null && t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
