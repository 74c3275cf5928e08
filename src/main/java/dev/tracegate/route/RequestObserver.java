package dev.tracegate.route;

/**
 * Sees every finished request once its SERVER span has ended: metrics and the access log are two.
 * Called on the request's event loop, so it must be cheap, must not block and must not throw.
 */
@FunctionalInterface
public interface RequestObserver {
  void completed(Exchange exchange, Outcome outcome);

  /** All of {@code observers}, in order. */
  static RequestObserver all(java.util.List<RequestObserver> observers) {
    RequestObserver[] list = observers.toArray(new RequestObserver[0]);
    if (list.length == 1) {
      return list[0];
    }
    return (exchange, outcome) -> {
      for (RequestObserver o : list) {
        o.completed(exchange, outcome);
      }
    };
  }
}
