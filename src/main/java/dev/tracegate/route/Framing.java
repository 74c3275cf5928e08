package dev.tracegate.route;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Requests whose framing or target RFC 9112 says a server must not guess at, refused with 400 and a
 * closed connection before anything is forwarded: two {@code Host} headers, both {@code
 * Content-Length} and {@code Transfer-Encoding}, {@code Transfer-Encoding} in HTTP/1.0 or other
 * than plain {@code chunked}, an empty path segment ({@code //api/...}, which matching and prefix
 * stripping would read differently), control bytes in the query. Also the method names spans may
 * carry, as the HTTP semantic conventions list them.
 */
public final class Framing {
  static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /** What spans and metrics say for any other method: the conventions' {@code _OTHER}. */
  public static final String OTHER_METHOD = "_OTHER";

  private Framing() {}

  /** Why {@code req} must be refused, or null when its framing and target are sound. */
  static String problem(HttpServerRequest req) {
    MultiMap headers = req.headers();
    if (headers.getAll(HttpHeaders.HOST).size() > 1) {
      return "more than one Host header";
    }
    List<String> te =
        headers.contains(HttpHeaders.TRANSFER_ENCODING)
            ? headers.getAll(HttpHeaders.TRANSFER_ENCODING)
            : List.of();
    if (!te.isEmpty()) {
      if (req.version() == HttpVersion.HTTP_1_0) {
        return "Transfer-Encoding in an HTTP/1.0 request";
      }
      if (headers.contains(HttpHeaders.CONTENT_LENGTH)) {
        return "both Content-Length and Transfer-Encoding";
      }
      if (te.size() > 1 || !te.get(0).trim().toLowerCase(Locale.ROOT).equals("chunked")) {
        return "a Transfer-Encoding other than chunked";
      }
    }
    String path = req.path();
    if (path != null && path.contains("//")) {
      return "an empty path segment";
    }
    String query = req.query();
    if (query != null) {
      for (int i = 0; i < query.length(); i++) {
        char c = query.charAt(i);
        if (c < 0x20 || c == 0x7f) {
          return "control bytes in the query";
        }
      }
    }
    return null;
  }

  /** {@code method} if the HTTP conventions know it, else {@code _OTHER}. */
  public static String spanMethod(String method) {
    return KNOWN_METHODS.contains(method) ? method : OTHER_METHOD;
  }

  /**
   * The method part of a span's name for {@code known} (a {@link #spanMethod}): the conventions
   * name a span of any other method {@code HTTP}, never {@code _OTHER} nor what the client sent.
   */
  public static String spanNameMethod(String known) {
    return OTHER_METHOD.equals(known) ? "HTTP" : known;
  }
}
