package dev.tracegate.proxy;

import java.net.URI;

/** One upstream URL, with the moment until which it is skipped after a failed connect. */
final class Endpoint {
  final String host;
  final int port;
  final boolean ssl;

  /**
   * The URL's own path, prefixed to every forwarded path ({@code http://h:1/v2} -> {@code
   * /v2/...}).
   */
  final String basePath;

  private final String origin;
  private final String address;
  private volatile long ejectedUntilNanos;

  /** Its position in the upstream's {@code urls}: how the shared outlier state knows it. */
  final int index;

  Endpoint(URI uri, int index) {
    this.index = index;
    this.ssl = "https".equals(uri.getScheme());
    this.host = uri.getHost();
    this.port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.origin = uri.getScheme() + "://" + host + ":" + port;
    this.address = Upstream.address(uri);
  }

  /** {@code host:port}. */
  String address() {
    return address;
  }

  String url(String uri) {
    return origin + basePath + uri;
  }

  boolean available(long nowNanos) {
    return nowNanos >= ejectedUntilNanos;
  }

  long ejectedUntil() {
    return ejectedUntilNanos;
  }

  void eject(long nowNanos, long forNanos) {
    ejectedUntilNanos = nowNanos + forNanos;
  }

  @Override
  public String toString() {
    return origin + basePath;
  }
}
