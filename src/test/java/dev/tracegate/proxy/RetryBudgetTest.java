package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Retries in flight stay a fifth of the attempts in flight, three at the least. */
class RetryBudgetTest {
  final RetryBudget budget = new RetryBudget();

  private int retriesAllowedWith(int firstAttempts) {
    for (int i = 0; i < firstAttempts; i++) {
      budget.started(false);
    }
    int retries = 0;
    while (budget.allowsRetry()) {
      budget.started(true);
      retries++;
    }
    return retries;
  }

  @Test
  void atLowTrafficThreeRetriesMayBeOut() {
    assertThat(retriesAllowedWith(1)).isEqualTo(3);
  }

  @Test
  void underLoadRetriesAreAFifthOfTheAttempts() {
    // 100 first attempts and r retries in flight: one more goes while r < (100 + r) / 5, so 24 go
    assertThat(retriesAllowedWith(100)).isEqualTo(24);
  }

  @Test
  void anEndedRetryFreesItsPlace() {
    retriesAllowedWith(1);
    assertThat(budget.allowsRetry()).isFalse();
    budget.ended(true);
    assertThat(budget.allowsRetry()).isTrue();
  }
}
