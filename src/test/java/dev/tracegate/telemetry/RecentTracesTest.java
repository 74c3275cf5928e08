package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin trace view's buffer stays within its bound, however many traces pass and from how many threads. */
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

  @Test
  void staysBoundedUnderConcurrentWriters() throws Exception {
    RecentTraces recent = new RecentTraces(100);
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      pool.submit(() -> {
        for (int i = 0; i < 5_000; i++) {
          tracer.spanBuilder("s").startSpan().end();
        }
      });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(recent.newest(1_000_000)).hasSizeLessThanOrEqualTo(100);
    assertThat(recent.size()).isLessThanOrEqualTo(100);
  }
}
