package dev.tracegate.route;

/** Sees every finished request (metrics); must be cheap and must not throw. */
@FunctionalInterface
public interface RequestObserver {
  /** {@code status} is 499 when the client went away before the response ended. */
  void completed(Exchange exchange, int status, long durationNanos);
}
