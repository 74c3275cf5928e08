package dev.tracegate.route;

import dev.tracegate.util.Deadlines;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One request in progress, confined to its event loop: the matched route and path parameters, the
 * SERVER span and the OTel context that parents every span below it, the deadline, the body, and
 * the hooks that stop outstanding work when the request is abandoned (deadline, client gone).
 */
public final class Exchange {
  private final Vertx vertx;
  private final HttpServerRequest request;
  private final Route route;
  private final Map<String, String> params;
  private final Span span;
  private final Context context;
  private final long deadlineNanos;
  private final Outcome outcome;
  private final Deadlines deadlines;
  private Buffer body;
  private long bufferedBytes;
  private long streamedLength = -1;
  private List<Runnable> cancelHooks;
  private GatewayError abandonedBy;
  private final String scheme;
  private String clientAddress;

  Exchange(
      Vertx vertx,
      HttpServerRequest request,
      Route route,
      Map<String, String> params,
      Span span,
      Context context,
      long deadlineNanos,
      Outcome outcome,
      Deadlines deadlines,
      String scheme) {
    this.vertx = vertx;
    this.request = request;
    this.route = route;
    this.params = params;
    this.span = span;
    this.context = context;
    this.deadlineNanos = deadlineNanos;
    this.outcome = outcome;
    this.deadlines = deadlines;
    this.scheme = scheme;
  }

  /** {@code http} or {@code https}: the gateway listener's, without asking the connection. */
  public String scheme() {
    return scheme;
  }

  /**
   * The client's IP address as text, or null when unknown: formatted once per request however many
   * parts ask (the trusted-proxy check, the forwarding headers, the access log).
   */
  public String clientAddress() {
    if (clientAddress == null) {
      SocketAddress remote = request.remoteAddress();
      String host = remote == null ? null : remote.hostAddress(); // null: not an IP address
      clientAddress = host == null ? "" : host;
    }
    return clientAddress.isEmpty() ? null : clientAddress;
  }

  /** This event loop's deadlines: per-request timeouts without a scheduled task each. */
  public Deadlines deadlines() {
    return deadlines;
  }

  /** What the request did and how it ended, gathered for the observers (metrics, access log). */
  public Outcome outcome() {
    return outcome;
  }

  public Vertx vertx() {
    return vertx;
  }

  public HttpServerRequest request() {
    return request;
  }

  public Route route() {
    return route;
  }

  /** Decoded path parameters by name. */
  public Map<String, String> params() {
    return params;
  }

  /** The request's SERVER span. */
  public Span span() {
    return span;
  }

  /** The OTel context holding the SERVER span: the parent to pass to every span of this request. */
  public Context context() {
    return context;
  }

  /** The request body, read and bounded before the target runs; empty when there is none. */
  public Buffer body() {
    return body == null ? Buffer.buffer() : body;
  }

  /** Bytes of this request's body reserved in the gateway's {@link BodyBudget}. */
  long bufferedBytes() {
    return bufferedBytes;
  }

  void bufferedBytes(long more) {
    bufferedBytes += more;
  }

  void body(Buffer body) {
    this.body = body;
  }

  /**
   * True when the body was left unread, paused, for the target to stream from {@link #request()}.
   */
  public boolean streamedBody() {
    return streamedLength >= 0;
  }

  /** The declared length of a streamed body. */
  public long streamedLength() {
    return streamedLength;
  }

  void streamBody(long declaredLength) {
    this.streamedLength = declaredLength;
  }

  /** Milliseconds left before {@code server.requestTimeout}; at least 1 while not passed. */
  public long remainingMillis() {
    long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
    return Math.max(left, 0);
  }

  /**
   * Runs {@code hook} if the request is abandoned (deadline passed, client gone) before it
   * completes.
   */
  public void onCancel(Runnable hook) {
    if (abandonedBy != null) {
      hook.run();
      return;
    }
    if (cancelHooks == null) {
      cancelHooks = new ArrayList<>(2);
    }
    cancelHooks.add(hook);
  }

  /** Why the request was abandoned, or null while it is live. */
  public GatewayError abandonedBy() {
    return abandonedBy;
  }

  void abandon(GatewayError why) {
    if (abandonedBy != null) {
      return;
    }
    abandonedBy = why;
    List<Runnable> hooks = cancelHooks;
    cancelHooks = null;
    if (hooks != null) {
      hooks.forEach(Runnable::run);
    }
  }
}
