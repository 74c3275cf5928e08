package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.config.UpstreamConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The circuit's one state machine, on a clock the test moves. */
class CircuitBreakerStateTest {
  static final long MS = 1_000_000;
  final List<CircuitBreaker.State> moves = new ArrayList<>();
  final CircuitBreaker breaker =
      new CircuitBreaker(
          "up",
          new UpstreamConfig.CircuitBreaker(0.5, 4, Duration.ofSeconds(1), Duration.ofMillis(200)),
          moves::add);

  private void attempts(long now, boolean... failed) {
    for (boolean f : failed) {
      CircuitBreaker.Permit p = breaker.acquire(now);
      assertThat(p).isEqualTo(CircuitBreaker.Permit.ATTEMPT);
      breaker.record(p, f, now);
    }
  }

  @Test
  void opensAtTheRatioOverMinRequestsOnly() {
    long t = 10_000 * MS;
    attempts(t, true, true, true); // 3 failures, fewer than minRequests
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    attempts(t, false); // 4 attempts, 3 failed: but only a failure can tip it
    attempts(t, true);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.acquire(t + 100 * MS)).isEqualTo(CircuitBreaker.Permit.REFUSED);
  }

  @Test
  void failuresOutsideTheWindowAreForgotten() {
    long t = 10_000 * MS;
    attempts(t, true, true, true);
    attempts(t + 1500 * MS, false, false, false, true); // the three old failures aged out: 1 of 4
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void halfOpenLetsOneProbeThroughWhoseOutcomeDecides() {
    long t = 10_000 * MS;
    attempts(t, true, true, true, true);
    long later = t + 250 * MS;
    CircuitBreaker.Permit probe = breaker.acquire(later);
    assertThat(probe).isEqualTo(CircuitBreaker.Permit.PROBE);
    assertThat(breaker.acquire(later))
        .as("a second probe while one is out")
        .isEqualTo(CircuitBreaker.Permit.REFUSED);
    breaker.record(probe, true, later);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.acquire(later + 100 * MS)).isEqualTo(CircuitBreaker.Permit.REFUSED);

    CircuitBreaker.Permit again = breaker.acquire(later + 250 * MS);
    assertThat(again).isEqualTo(CircuitBreaker.Permit.PROBE);
    breaker.release(again); // abandoned by its client: no verdict, the next request probes instead
    CircuitBreaker.Permit next = breaker.acquire(later + 260 * MS);
    assertThat(next).isEqualTo(CircuitBreaker.Permit.PROBE);
    breaker.record(next, false, later + 260 * MS);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(moves)
        .containsExactly(
            CircuitBreaker.State.OPEN,
            CircuitBreaker.State.HALF_OPEN,
            CircuitBreaker.State.OPEN,
            CircuitBreaker.State.HALF_OPEN,
            CircuitBreaker.State.CLOSED);
    attempts(later + 300 * MS, true, true, true); // a fresh window after closing
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
