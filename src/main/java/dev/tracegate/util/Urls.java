package dev.tracegate.util;

/**
 * URLs as logs and error lines may show them: a database or collector URL carries credentials in
 * its user-info and often in its query ({@code ?password=}, {@code ?apikey=}).
 */
public final class Urls {
  public static final String MASK = "REDACTED";

  private Urls() {}

  /**
   * {@code url} (or a message quoting one) with its whole user-info masked, whatever it holds
   * ({@code @}, {@code /} or {@code :} in a password included: it runs to the last {@code @} before
   * the query), and its query replaced by the mask.
   */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int query = url.indexOf('?', start);
    int end = query < 0 ? url.length() : query;
    int at = url.lastIndexOf('@', end - 1);
    StringBuilder out = new StringBuilder(url.length()).append(url, 0, start);
    if (at >= start) {
      out.append(MASK).append(url, at, end);
    } else {
      out.append(url, start, end);
    }
    if (query >= 0) {
      out.append('?').append(MASK);
    }
    return out.toString();
  }
}
