package dev.tracegate.route;

/**
 * One generation of one event loop's routes, with the upstream pools they use. A reload installs
 * the next generation for new requests; requests already in flight finish on the one they started
 * with, and a retired generation closes its pools once its last request is done. Used from its
 * event loop only, so plain fields suffice.
 */
public final class Routing {
  private final RouteTable table;
  private final Runnable closer;
  private int inFlight;
  private boolean retired;
  private boolean closed;

  /** {@code closer} releases what the generation holds (its connection pools). */
  public Routing(RouteTable table, Runnable closer) {
    this.table = table;
    this.closer = closer;
  }

  RouteTable table() {
    return table;
  }

  void enter() {
    inFlight++;
  }

  void leave() {
    inFlight--;
    closeIfIdle();
  }

  /** No new request will use this generation; it closes once the ones in flight are done. */
  void retire() {
    retired = true;
    closeIfIdle();
  }

  private void closeIfIdle() {
    if (retired && inFlight == 0 && !closed) {
      closed = true;
      closer.run();
    }
  }

  /** Requests still being served on this generation. */
  public int inFlight() {
    return inFlight;
  }
}
