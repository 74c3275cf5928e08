package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The buffer stays within its bound, however many traces pass and from how many threads, and hands
 * the audit each trace once, whole, after it has settled.
 */
class RecentTracesTest {
  @Test
  void keepsOnlyTheNewestTracesWithAllTheirSpans() {
    RecentTraces recent = new RecentTraces(10);
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Span root = tracer.spanBuilder("root " + i).startSpan();
      tracer.spanBuilder("child").setParent(Context.root().with(root)).startSpan().end();
      root.end();
      ids.add(root.getSpanContext().getTraceId());
    }

    List<String> kept = recent.newest(100);
    assertThat(kept).hasSize(10);
    assertThat(kept.get(0)).isEqualTo(ids.get(49));
    assertThat(kept).containsExactlyInAnyOrderElementsOf(ids.subList(40, 50));
    assertThat(recent.trace(ids.get(49))).hasSize(2);
    assertThat(recent.trace(ids.get(0))).isEmpty();
  }

  @ParameterizedTest(name = "audited {0}")
  @ValueSource(booleans = {false, true})
  void staysBoundedUnderConcurrentWriters(boolean audited) throws Exception {
    RecentTraces recent =
        audited ? new RecentTraces(100, Duration.ofNanos(100)) : new RecentTraces(100);
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      pool.submit(
          () -> {
            for (int i = 0; i < 5_000; i++) {
              Span open = tracer.spanBuilder("in flight").startSpan();
              tracer.spanBuilder("s").startSpan().end();
              open.end();
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(recent.newest(1_000_000)).hasSizeLessThanOrEqualTo(100);
    // an audited buffer holds at most as many again for the audit, drained or not
    assertThat(recent.size()).isLessThanOrEqualTo(audited ? 200 : 100);
  }

  /**
   * A trace takes its sequence number before its slot in the ring; an audit round that passes the
   * slot in between must come back for it, or the trace is never judged and stays unsettled.
   */
  @Test
  void everyTraceIsJudgedWhileTheAuditDrainsConcurrentlyWithNewTraces() throws Exception {
    RecentTraces recent = new RecentTraces(200_000, Duration.ofSeconds(10));
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    java.util.concurrent.atomic.AtomicLong judged = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread audit =
        new Thread(
            () -> {
              while (writing.get()) {
                recent.drainSettled(0, settled -> judged.incrementAndGet());
              }
            });
    audit.start();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    for (int t = 0; t < 3; t++) {
      pool.submit(
          () -> {
            for (int i = 0; i < 10_000; i++) {
              tracer.spanBuilder("request").startSpan().end();
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    writing.set(false);
    audit.join();
    recent.drainSettled(0, settled -> judged.incrementAndGet());

    assertThat(recent.unsettled()).as("traces never judged").isZero();
    assertThat(judged.get()).isEqualTo(30_000 - recent.skipped());
  }

  @Test
  void aTraceStillInFlightWhenPushedOutIsHeldWholeUntilItSettles() {
    RecentTraces recent = new RecentTraces(2, Duration.ofNanos(2));
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    Span slow = tracer.spanBuilder("slow request").startSpan();
    for (int i = 0; i < 5; i++) {
      tracer.spanBuilder("quick " + i).startSpan().end();
    }
    // a late child of the pushed-out trace joins it instead of starting a partial copy
    tracer.spanBuilder("late child").setParent(Context.root().with(slow)).startSpan().end();
    List<RecentTraces.Settled> judged = new ArrayList<>();
    recent.drainSettled(0, judged::add);
    assertThat(judged)
        .extracting(RecentTraces.Settled::traceId)
        .doesNotContain(slow.getSpanContext().getTraceId());

    slow.end();
    recent.drainSettled(0, judged::add);
    RecentTraces.Settled whole =
        judged.stream()
            .filter(t -> t.traceId().equals(slow.getSpanContext().getTraceId()))
            .findFirst()
            .orElseThrow();
    assertThat(whole.spans()).hasSize(2);
    assertThat(whole.truncated()).isFalse();
    assertThat(recent.unsettled()).isZero();
  }

  @Test
  void aTraceWhoseStartWasNeverSeenIsNotKept() {
    RecentTraces recent = new RecentTraces(10, Duration.ofSeconds(1));
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    // the parent lives in another SDK of this process, one that does not feed this buffer
    Span parent =
        SdkTracerProvider.builder()
            .addSpanProcessor(new RecentTraces(1))
            .build()
            .get("other")
            .spanBuilder("p")
            .startSpan();
    tracer.spanBuilder("child").setParent(Context.root().with(parent)).startSpan().end();
    parent.end();

    assertThat(recent.size()).isZero();
  }

  @Test
  void anAuditedBufferTakesNewTracesNoFasterThanItsCapacityPerSettle() {
    RecentTraces recent = new RecentTraces(40, Duration.ofSeconds(60));
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    for (int i = 0; i < 100; i++) {
      tracer.spanBuilder("burst " + i).startSpan().end();
    }
    // a burst of a quarter of the capacity, then one per 1.5 s: the rest are counted, not kept
    assertThat(recent.size()).isEqualTo(10);
    assertThat(recent.skipped()).isEqualTo(90);
  }

  @Test
  void noClientTakesMoreThanTheBuffersShareOfTheHeap() {
    RecentTraces recent = new RecentTraces(1_000_000);
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    // one trace id reused for many requests, as a client can by sending the same traceparent
    Span reused = tracer.spanBuilder("root").startSpan();
    for (int i = 0; i < 1_000; i++) {
      tracer.spanBuilder("request " + i).setParent(Context.root().with(reused)).startSpan().end();
    }
    reused.end();
    assertThat(recent.trace(reused.getSpanContext().getTraceId()))
        .hasSize(RecentTraces.MAX_SPANS_PER_TRACE);

    // many trace ids with many spans each: never more spans than the budget, whatever the capacity
    for (int t = 0; t < recent.maxSpans() / 10; t++) {
      Span root = tracer.spanBuilder("root").startSpan();
      for (int i = 0; i < 20; i++) {
        tracer.spanBuilder("child").setParent(Context.root().with(root)).startSpan().end();
      }
      root.end();
    }
    assertThat(recent.spanCount()).isLessThanOrEqualTo(recent.maxSpans());
    assertThat((long) recent.maxSpans() * RecentTraces.SPAN_BYTES)
        .isLessThanOrEqualTo(
            (long) (Runtime.getRuntime().maxMemory() * RecentTraces.HEAP_SHARE)
                + RecentTraces.SPAN_BYTES);
  }
}
