package dev.tracegate.proxy;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Round robin over an upstream's endpoints, skipping for {@link #EJECT_FOR_MS} one that just failed
 * to connect, and any the outlier detection has ejected or the health checks hold out. When every
 * endpoint is skipped it picks the one whose ejection ends first rather than failing outright
 * (Envoy's panic mode): a lone endpoint is never locked out. Used by one event loop only, so plain
 * fields suffice.
 */
final class RoundRobinSelector {
  static final long EJECT_FOR_MS = 2000;
  private static final long EJECT_FOR_NANOS = TimeUnit.MILLISECONDS.toNanos(EJECT_FOR_MS);

  private final Endpoint[] endpoints;
  private final Upstream.Guards guards;
  private int next;

  /** {@code guards}: the upstream's shared outlier and health state. */
  RoundRobinSelector(List<Endpoint> endpoints, Upstream.Guards guards) {
    this.endpoints = endpoints.toArray(new Endpoint[0]);
    this.guards = guards;
  }

  Endpoint next() {
    long now = System.nanoTime();
    Endpoint soonest = null;
    for (int i = 0; i < endpoints.length; i++) {
      Endpoint e = endpoints[next];
      next = (next + 1) % endpoints.length;
      if (e.available(now) && guards.available(e.index, now)) {
        return e;
      }
      if (soonest == null || e.ejectedUntil() < soonest.ejectedUntil()) {
        soonest = e;
      }
    }
    return soonest;
  }

  void failedToConnect(Endpoint e) {
    if (endpoints.length > 1) {
      e.eject(System.nanoTime(), EJECT_FOR_NANOS);
    }
  }
}
