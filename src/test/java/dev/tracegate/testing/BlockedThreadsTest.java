package dev.tracegate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The guard every in-JVM gateway runs under does see an event loop held past the limit. */
class BlockedThreadsTest {
  @Test
  void reportsAnEventLoopTaskThatRunsPastTheLimit() throws Exception {
    int mark = BlockedThreads.mark();
    Vertx vertx = Vertx.builder().with(BlockedThreads.strict()).build();
    try {
      vertx.runOnContext(
          v -> {
            long until =
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * BlockedThreads.MAX_TASK_MS);
            while (System.nanoTime() < until) {
              Thread.onSpinWait(); // busy, as a blocking call or a long computation would keep the
              // loop
            }
          });
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !BlockedThreads.since(mark).isEmpty());
      assertThat(BlockedThreads.since(mark).get(0))
          .contains("vert.x-eventloop-thread")
          .contains("has been blocked");
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }
}
