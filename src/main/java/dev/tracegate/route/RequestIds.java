package dev.tracegate.route;

import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code X-Request-Id}: a client's value of 1-128 characters from {@code [A-Za-z0-9._:-]} is kept
 * (so a caller's id follows the request through logs and upstreams), anything else is replaced, and
 * a missing one is made: a random UUID, from a thread-local generator (no lock, no entropy pool on
 * the event loop; the id names a request, it guards nothing).
 */
public final class RequestIds {
  public static final CharSequence HEADER = HttpHeaders.createOptimized("X-Request-Id");
  static final int MAX_LENGTH = 128;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private RequestIds() {}

  /** {@code incoming} when it is a valid id, else a new one. */
  public static String accept(String incoming) {
    return valid(incoming) ? incoming : make();
  }

  static boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A version-4 UUID in its usual text form. */
  static String make() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long hi = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    char[] out = new char[36];
    int p = 0;
    for (int i = 0; i < 32; i++) {
      if (i == 8 || i == 12 || i == 16 || i == 20) {
        out[p++] = '-';
      }
      long word = i < 16 ? hi : lo;
      int shift = 60 - 4 * (i % 16);
      out[p++] = HEX[(int) (word >>> shift) & 0xF];
    }
    return new String(out);
  }
}
