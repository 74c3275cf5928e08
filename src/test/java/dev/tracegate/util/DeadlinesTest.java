package dev.tracegate.util;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  private final Vertx vertx = Vertx.vertx();
  private final ContextInternal loop = (ContextInternal) vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** Runs {@code body} on the event loop and waits for it. */
  private <T> T onLoop(Supplier<T> body) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    loop.runOnContext(v -> out.complete(body.get()));
    return out.get(10, TimeUnit.SECONDS);
  }

  @Test
  void eachDeadlineFiresAtItsOwnTimeOnTheContextThatSetItAndCancelledOnesNever() throws Exception {
    Deadlines deadlines = onLoop(() -> new Deadlines(vertx));
    List<String> fired = new ArrayList<>();
    List<Long> firedAtMs = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    long t0 = System.nanoTime();
    onLoop(
        () -> {
          for (String name : List.of("a", "b", "c")) {
            // each as its own request would: on a duplicated context of its own
            ContextInternal request = loop.duplicate();
            request.dispatch(
                () -> {
                  Deadlines.Handle h =
                      deadlines.after(
                          150,
                          () -> {
                            fired.add(
                                name + (Vertx.currentContext() == request ? "@own" : "@other"));
                            firedAtMs.add((System.nanoTime() - t0) / 1_000_000);
                            if (firedAtMs.size() == 2) {
                              done.complete();
                            }
                          });
                  if (name.equals("b")) {
                    h.cancel();
                  }
                });
          }
          // a shorter deadline set later fires first: each length has its own lane
          deadlines.after(50, () -> fired.add("short"));
          return null;
        });
    done.future().await(10, TimeUnit.SECONDS);
    assertThat(fired).containsExactly("short", "a@own", "c@own");
    assertThat(firedAtMs).allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(150));
    assertThat(onLoop(deadlines::held)).isZero();
  }

  @Test
  void cancelledDeadlinesLeaveAtOnceUnlessAnOlderOneIsStillPending() throws Exception {
    Deadlines deadlines = onLoop(() -> new Deadlines(vertx));
    int held =
        onLoop(
            () -> {
              for (int i = 0; i < 10_000; i++) {
                deadlines.after(60_000, () -> {}).cancel(); // requests that finish in time
              }
              return deadlines.held();
            });
    assertThat(held).as("finished requests are not kept for the timeout's length").isZero();

    List<Integer> counts =
        onLoop(
            () -> {
              Deadlines.Handle slow = deadlines.after(60_000, () -> {});
              for (int i = 0; i < 100; i++) {
                deadlines.after(60_000, () -> {}).cancel();
              }
              int behind = deadlines.held();
              slow.cancel();
              return List.of(behind, deadlines.held());
            });
    assertThat(counts).as("held behind a slow request, then once it ends").containsExactly(101, 0);
  }

  @Test
  void anActionMaySetTheNextDeadlineOfItsOwnLane() throws Exception {
    Deadlines deadlines = onLoop(() -> new Deadlines(vertx));
    Promise<Void> second = Promise.promise();
    Context[] ran = new Context[1];
    onLoop(
        () ->
            deadlines.after(
                20,
                () -> {
                  ran[0] = Vertx.currentContext();
                  deadlines.after(20, second::complete);
                }));
    second.future().await(10, TimeUnit.SECONDS);
    assertThat(ran[0]).isNotNull();
    assertThat(onLoop(deadlines::held)).isZero();
  }
}
