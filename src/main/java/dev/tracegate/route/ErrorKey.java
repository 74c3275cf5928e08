package dev.tracegate.route;

/** The error keys of the contract (SPEC §4), each with its HTTP status. */
public enum ErrorKey {
  BAD_REQUEST(400),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  /** Recorded, never sent: the request head did not arrive whole within server.headerTimeout. */
  HEADER_TIMEOUT(408),
  PAYLOAD_TOO_LARGE(413),
  URI_TOO_LONG(414),
  RATE_LIMITED(429),
  HEADERS_TOO_LARGE(431),
  UPSTREAM_UNAVAILABLE(502),
  UPSTREAM_CONNECT_TIMEOUT(504),
  UPSTREAM_TIMEOUT(504),
  DB_UNAVAILABLE(503),
  DB_TIMEOUT(504),
  DB_ERROR(500),
  BUS_TIMEOUT(504),
  BUS_UNAVAILABLE(503),
  BUS_ERROR(502),
  DEADLINE_EXCEEDED(504),
  OVERLOADED(503),
  SHUTTING_DOWN(503);

  private final int status;
  private final String key;

  ErrorKey(int status) {
    this.status = status;
    this.key = name().toLowerCase();
  }

  public int status() {
    return status;
  }

  public String key() {
    return key;
  }
}
