package dev.tracegate.proxy;

import dev.tracegate.route.RequestHandler;
import dev.tracegate.route.RequestIds;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * Header hygiene both ways: hop-by-hop headers (RFC 9110 §7.6.1) never cross the gateway, incoming
 * trace headers are dropped so exactly one set for the attempt's CLIENT span goes out, and the
 * {@code X-Forwarded-*} and {@code Forwarded} headers tell the upstream who asked. Works by copying
 * and then removing a fixed list of names from Vert.x's case-insensitive maps, so the common
 * request costs no per-header string work.
 */
final class ForwardHeaders {
  private static final List<CharSequence> HOP_BY_HOP =
      optimized(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");
  private static final List<CharSequence> TRACE =
      optimized(
          "traceparent",
          "tracestate",
          "b3",
          "uber-trace-id",
          "x-b3-traceid",
          "x-b3-spanid",
          "x-b3-parentspanid",
          "x-b3-sampled",
          "x-b3-flags");
  private static final List<CharSequence> SET_BY_GATEWAY = optimized("host", "content-length");
  private static final CharSequence BAGGAGE = HttpHeaders.createOptimized("baggage");
  private static final CharSequence TRACE_ID = RequestHandler.TRACE_ID_HEADER;
  private static final CharSequence REQUEST_ID = RequestIds.HEADER;
  private static final CharSequence XFF = HttpHeaders.createOptimized("X-Forwarded-For");
  private static final CharSequence XFP = HttpHeaders.createOptimized("X-Forwarded-Proto");
  private static final CharSequence XFH = HttpHeaders.createOptimized("X-Forwarded-Host");
  private static final CharSequence FORWARDED = HttpHeaders.createOptimized("Forwarded");
  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");

  private ForwardHeaders() {}

  private static List<CharSequence> optimized(String... names) {
    return java.util.Arrays.stream(names).map(HttpHeaders::createOptimized).toList();
  }

  /**
   * What goes upstream: the client's end-to-end headers plus forwarding information and the
   * request's {@code X-Request-Id} (the client's only when it was valid). {@code X-Forwarded-For},
   * {@code -Proto}, {@code -Host} and {@code Forwarded} from the peer are kept (and extended) only
   * when {@code trustedPeer}, a proxy of {@code server.trustedProxies}; from anyone else they are
   * replaced by what the gateway saw, so a client cannot pose as another address, host or scheme.
   * Several lines of one of them count as one list, in order. Written into {@code out}, the
   * outgoing request's own (empty) headers. {@code clientAddress} is the peer's address (null when
   * unknown) and {@code proto} the gateway listener's scheme, both as the exchange knows them.
   */
  static void request(
      HttpServerRequest req,
      String clientAddress,
      String proto,
      String requestId,
      boolean dropBaggage,
      boolean trustedPeer,
      MultiMap out) {
    MultiMap in = req.headers();
    out.addAll(in);
    removeHopByHop(in, out);
    TRACE.forEach(out::remove);
    SET_BY_GATEWAY.forEach(out::remove);
    if (dropBaggage) {
      out.remove(BAGGAGE);
    }
    String client = clientAddress == null ? "unknown" : clientAddress;
    String host = req.authority() == null ? null : req.authority().toString();
    String priorFor = trustedPeer ? joined(in, XFF) : null;
    out.set(XFF, priorFor == null ? client : priorFor + ", " + client);
    String priorProto = trustedPeer ? in.get(XFP) : null;
    out.set(XFP, priorProto == null ? proto : priorProto);
    String priorHost = trustedPeer ? in.get(XFH) : null;
    if (priorHost != null) {
      out.set(XFH, priorHost);
    } else if (host != null) {
      out.set(XFH, host);
    } else {
      out.remove(XFH);
    }
    String forwarded =
        "for="
            + forwardedNode(client)
            + ";proto="
            + proto
            + (host == null ? "" : ";host=\"" + host + "\"");
    String priorForwarded = trustedPeer ? joined(in, FORWARDED) : null;
    out.set(FORWARDED, priorForwarded == null ? forwarded : priorForwarded + ", " + forwarded);
    out.set(REQUEST_ID, requestId);
  }

  /** All lines of a list header as one value, or null when there is none. */
  private static String joined(MultiMap headers, CharSequence name) {
    List<String> lines = headers.getAll(name);
    if (lines.isEmpty()) {
      return null;
    }
    return lines.size() == 1 ? lines.get(0) : String.join(", ", lines);
  }

  /** Copies an upstream answer's end-to-end headers onto the client response. */
  static void response(MultiMap from, MultiMap to) {
    String traceId = to.get(TRACE_ID);
    String requestId = to.get(REQUEST_ID);
    to.addAll(from);
    removeHopByHop(from, to);
    // ours, not an upstream's
    if (traceId != null) {
      to.set(TRACE_ID, traceId);
    }
    if (requestId != null) {
      to.set(REQUEST_ID, requestId);
    }
  }

  private static void removeHopByHop(MultiMap in, MultiMap out) {
    HOP_BY_HOP.forEach(out::remove);
    if (in.contains(HttpHeaders.CONNECTION)) {
      for (String value : in.getAll(HttpHeaders.CONNECTION)) {
        removeNamedBy(value, out);
      }
    }
  }

  /**
   * Removes the headers a {@code Connection} value names (the maps' names are case-insensitive).
   * The usual values, {@code keep-alive} (removed above) and {@code close}, cost no string.
   */
  private static void removeNamedBy(String value, MultiMap out) {
    int n = value.length();
    int start = 0;
    while (start < n) {
      int end = value.indexOf(',', start);
      if (end < 0) {
        end = n;
      }
      int a = start;
      int b = end;
      while (a < b && (value.charAt(a) == ' ' || value.charAt(a) == '\t')) {
        a++;
      }
      while (b > a && (value.charAt(b - 1) == ' ' || value.charAt(b - 1) == '\t')) {
        b--;
      }
      int len = b - a;
      if (len == 5 && value.regionMatches(true, a, "close", 0, 5)) {
        out.remove(CLOSE);
      } else if (len > 0 && !(len == 10 && value.regionMatches(true, a, "keep-alive", 0, 10))) {
        out.remove(value.substring(a, b));
      }
      start = end + 1;
    }
  }

  private static String forwardedNode(String address) {
    return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
  }
}
