package dev.tracegate.logging;

/**
 * Writes JSON string literals. Hand-rolled rather than through a JSON library because log lines and
 * access records are written by the thousand per second and their values are plain strings: quotes,
 * backslashes and control characters are escaped (a hostile header cannot break a line).
 */
public final class JsonText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** Appends {@code value} as a quoted JSON string, or {@code null}. */
  public static StringBuilder quote(StringBuilder out, CharSequence value) {
    if (value == null) {
      return out.append("null");
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            out.append("\\u")
                .append(HEX[(c >> 12) & 0xf])
                .append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"');
  }

  /** Appends {@code "key":} with a comma before it unless it is the object's first member. */
  public static StringBuilder key(StringBuilder out, String key) {
    if (out.length() > 0 && out.charAt(out.length() - 1) != '{') {
      out.append(',');
    }
    return out.append('"').append(key).append("\":");
  }
}
