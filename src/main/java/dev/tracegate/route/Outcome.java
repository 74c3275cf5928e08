package dev.tracegate.route;

/**
 * What became of one request, gathered in one place while it runs and read by every {@link
 * RequestObserver} once it has ended: the status and error key, the duration, bytes in and out, and
 * which upstreams, statements and event-bus calls it made and how long they took. Targets add to it
 * through the {@code upstream…}, {@code db…} and {@code bus…} methods; like its {@link Exchange},
 * it is confined to the request's event loop.
 */
public final class Outcome {
  private final String requestId;
  private int status;
  private ErrorKey error;
  private long durationNanos;
  private long bytesIn;
  private long bytesOut;
  private String upstreams;
  private String upstreamAddress;
  private int upstreamAttempts;
  private long upstreamNanos = -1;
  private long dbNanos = -1;
  private long busNanos = -1;

  Outcome(String requestId) {
    this.requestId = requestId;
  }

  /**
   * One upstream attempt starts, to {@code address} ({@code host:port}) of upstream {@code name}.
   */
  public void upstreamAttempt(String name, String address) {
    upstreamAttempts++;
    upstreamAddress = address;
    if (upstreams == null) {
      upstreams = name;
    } else if (!(',' + upstreams + ',').contains(',' + name + ',')) {
      upstreams = upstreams + ',' + name;
    }
  }

  /** One upstream attempt ended after {@code nanos}, its answer relayed or its failure known. */
  public void upstreamTime(long nanos) {
    upstreamNanos = Math.max(upstreamNanos, 0) + nanos;
  }

  /** One statement (waiting for its connection included) ended after {@code nanos}. */
  public void dbTime(long nanos) {
    dbNanos = Math.max(dbNanos, 0) + nanos;
  }

  /** One event-bus exchange ended after {@code nanos}. */
  public void busTime(long nanos) {
    busNanos = Math.max(busNanos, 0) + nanos;
  }

  void finish(int status, ErrorKey error, long durationNanos, long bytesIn, long bytesOut) {
    this.status = status;
    this.error = error;
    this.durationNanos = durationNanos;
    this.bytesIn = bytesIn;
    this.bytesOut = bytesOut;
  }

  /** {@code X-Request-Id}: the client's when valid, else made by the gateway. */
  public String requestId() {
    return requestId;
  }

  /**
   * The status sent; 499 ({@code RequestHandler.CLIENT_CLOSED}) when the client closed the
   * connection first.
   */
  public int status() {
    return status;
  }

  /** The contract's error key when the gateway answered an error (or met one), else null. */
  public ErrorKey error() {
    return error;
  }

  public long durationNanos() {
    return durationNanos;
  }

  /** Request body bytes read. */
  public long bytesIn() {
    return bytesIn;
  }

  /** Response body bytes written. */
  public long bytesOut() {
    return bytesOut;
  }

  /** The upstreams called, comma-separated in order of first use; null when none. */
  public String upstreams() {
    return upstreams;
  }

  /** {@code host:port} of the last upstream attempt; null when none. */
  public String upstreamAddress() {
    return upstreamAddress;
  }

  public int upstreamAttempts() {
    return upstreamAttempts;
  }

  /**
   * Summed over attempts (parallel compose steps can add up past the request's duration); -1 when
   * none.
   */
  public long upstreamNanos() {
    return upstreamNanos;
  }

  /** Summed over statements; -1 when none. */
  public long dbNanos() {
    return dbNanos;
  }

  /** Summed over event-bus exchanges; -1 when none. */
  public long busNanos() {
    return busNanos;
  }
}
