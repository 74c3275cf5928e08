package dev.tracegate.route;

/**
 * The one failure type of a request: an {@link ErrorKey} (status and key for the client), a message
 * safe to show, and the {@code error.type} the span records. Rendered in exactly one place, {@link
 * ErrorResponses}.
 */
public final class GatewayError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorKey key;
  private final String errorType;
  private final int status;

  public GatewayError(ErrorKey key, String message, String errorType, Throwable cause) {
    this(key, key.status(), message, errorType, cause);
  }

  /**
   * With a status other than the key's own: an open circuit is {@code 503 upstream_unavailable}.
   */
  public GatewayError(ErrorKey key, int status, String message, String errorType, Throwable cause) {
    super(message, cause, false, false);
    this.key = key;
    this.errorType = errorType;
    this.status = status;
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }

  public GatewayError(ErrorKey key, String message) {
    this(key, message, key.key(), null);
  }

  public ErrorKey key() {
    return key;
  }

  /**
   * The span's {@code error.type}: {@code timeout}, {@code connection_refused}, a SQLSTATE, a class
   * name.
   */
  public String errorType() {
    return errorType;
  }

  /** Wraps anything that is not already a {@link GatewayError} as an upstream failure. */
  public static GatewayError of(Throwable t, ErrorKey fallback) {
    if (t instanceof GatewayError) {
      return (GatewayError) t;
    }
    return new GatewayError(fallback, fallback.key().replace('_', ' '), t.getClass().getName(), t);
  }
}
