package dev.tracegate.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;
import java.util.Set;

/**
 * Header hygiene both ways: hop-by-hop headers (RFC 9110 §7.6.1) never cross the gateway,
 * incoming trace headers are dropped so exactly one set for the attempt's CLIENT span goes out,
 * and the {@code X-Forwarded-*} and {@code Forwarded} headers tell the upstream who asked.
 */
final class ForwardHeaders {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");
  private static final Set<String> TRACE = Set.of("traceparent", "tracestate", "b3", "uber-trace-id");
  private static final Set<String> SET_BY_GATEWAY = Set.of("host", "content-length", "x-forwarded-for",
      "x-forwarded-proto", "x-forwarded-host", "forwarded");

  private ForwardHeaders() {}

  /** What goes upstream: the client's end-to-end headers plus forwarding information. */
  static MultiMap request(HttpServerRequest req, boolean dropBaggage) {
    MultiMap in = req.headers();
    Set<String> named = connectionTokens(in);
    MultiMap out = HttpHeaders.headers();
    in.forEach((name, value) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(lower) || TRACE.contains(lower) || lower.startsWith("x-b3-")
          || SET_BY_GATEWAY.contains(lower) || named.contains(lower)
          || (dropBaggage && lower.equals("baggage"))) {
        return;
      }
      out.add(name, value);
    });
    String client = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    String proto = req.scheme() == null ? "http" : req.scheme();
    String host = req.authority() == null ? null : req.authority().toString();
    String priorFor = in.get("x-forwarded-for");
    out.set("X-Forwarded-For", priorFor == null ? client : priorFor + ", " + client);
    out.set("X-Forwarded-Proto", in.get("x-forwarded-proto") != null ? in.get("x-forwarded-proto") : proto);
    if (host != null) {
      out.set("X-Forwarded-Host", in.get("x-forwarded-host") != null ? in.get("x-forwarded-host") : host);
    }
    String forwarded = "for=" + forwardedNode(client) + ";proto=" + proto + (host == null ? "" : ";host=\"" + host + "\"");
    String priorForwarded = in.get("forwarded");
    out.set("Forwarded", priorForwarded == null ? forwarded : priorForwarded + ", " + forwarded);
    return out;
  }

  /** Copies an upstream answer's end-to-end headers onto the client response. */
  static void response(MultiMap from, MultiMap to) {
    Set<String> named = connectionTokens(from);
    from.forEach((name, value) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(lower) && !named.contains(lower) && !lower.equals("x-trace-id")) {
        to.add(name, value);
      }
    });
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    if (!headers.contains(HttpHeaders.CONNECTION)) {
      return Set.of();
    }
    java.util.HashSet<String> out = new java.util.HashSet<>();
    for (String connection : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String token : connection.split(",")) {
        out.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  private static String forwardedNode(String address) {
    return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
  }
}
