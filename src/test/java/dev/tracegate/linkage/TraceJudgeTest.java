package dev.tracegate.linkage;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule of the audit on spans made by a real SDK, with the exceptions the SPEC allows. */
class TraceJudgeTest {
  final InMemorySpanExporter exported = InMemorySpanExporter.create();
  final Tracer tracer =
      SdkTracerProvider.builder()
          .addSpanProcessor(SimpleSpanProcessor.create(exported))
          .build()
          .get("test");

  @Test
  void aHealthyTreeWithARemoteCallerShowsNothing() {
    SpanContext caller =
        SpanContext.createFromRemoteParent(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.getDefault());
    Span server =
        tracer
            .spanBuilder("GET /x")
            .setParent(Context.root().with(Span.wrap(caller)))
            .setSpanKind(SpanKind.SERVER)
            .startSpan();
    Span client =
        tracer
            .spanBuilder("GET")
            .setParent(Context.root().with(server))
            .setSpanKind(SpanKind.CLIENT)
            .startSpan();
    client.recordException(new IllegalStateException("refused"));
    client.setStatus(StatusCode.ERROR);
    client.end();
    server.end();

    TraceJudge.Verdict verdict = TraceJudge.judge(exported.getFinishedSpanItems(), false);
    assertThat(verdict.spans()).isEmpty();
  }

  @Test
  void aChildEndingAfterItsParentIsOutlivedUnlessProducerToConsumer() {
    Span parent = tracer.spanBuilder("parent").startSpan();
    Span child = tracer.spanBuilder("child").setParent(Context.root().with(parent)).startSpan();
    Span producer =
        tracer
            .spanBuilder("publish a")
            .setParent(Context.root().with(parent))
            .setSpanKind(SpanKind.PRODUCER)
            .startSpan();
    Span consumer =
        tracer
            .spanBuilder("process a")
            .setParent(Context.root().with(producer))
            .setSpanKind(SpanKind.CONSUMER)
            .startSpan();
    producer.end();
    parent.end();
    consumer.end();
    child.end();

    TraceJudge.Verdict verdict = TraceJudge.judge(exported.getFinishedSpanItems(), false);
    assertThat(verdict.spans()).containsOnlyKeys(Violation.OUTLIVED_PARENT);
    // the consumer outlived its PRODUCER, which is how messaging works; the plain child did not get
    // that right
    assertThat(verdict.spans().get(Violation.OUTLIVED_PARENT))
        .containsExactly(child.getSpanContext().getSpanId());
  }

  @Test
  void aMissingLocalParentIsAnOrphanUnlessTheTraceWasCut() {
    Span parent = tracer.spanBuilder("parent").startSpan();
    Span child = tracer.spanBuilder("child").setParent(Context.root().with(parent)).startSpan();
    child.end();
    parent.end();
    List<SpanData> withoutParent = exported.getFinishedSpanItems().subList(0, 1);

    assertThat(TraceJudge.judge(withoutParent, false).spans().get(Violation.ORPHAN))
        .containsExactly(child.getSpanContext().getSpanId());
    assertThat(TraceJudge.judge(withoutParent, true).spans()).isEmpty();
  }

  @Test
  void anExceptionWithoutErrorStatusIsErrorUnset() {
    Span span = tracer.spanBuilder("charge").startSpan();
    span.recordException(new IllegalStateException("declined"));
    span.end();

    assertThat(TraceJudge.judge(exported.getFinishedSpanItems(), false).spans())
        .containsOnlyKeys(Violation.ERROR_UNSET);
  }

  @Test
  void aChildStartingBeforeItsParentBeyondAMillisecondIsClock() {
    Instant t0 = Instant.now();
    Span parent = tracer.spanBuilder("parent").setStartTimestamp(t0).startSpan();
    tracer
        .spanBuilder("skewed")
        .setParent(Context.root().with(parent))
        .setStartTimestamp(t0.minusMillis(5))
        .startSpan()
        .end();
    tracer
        .spanBuilder("jitter")
        .setParent(Context.root().with(parent))
        .setStartTimestamp(t0.minusNanos(500_000))
        .startSpan()
        .end();
    parent.end();

    TraceJudge.Verdict verdict = TraceJudge.judge(exported.getFinishedSpanItems(), false);
    assertThat(verdict.spans()).containsOnlyKeys(Violation.CLOCK);
    assertThat(verdict.count(Violation.CLOCK)).isEqualTo(1);
  }

  @Test
  void requestIdsAreCollectedForTheCrossTraceCheck() {
    tracer.spanBuilder("GET /a").setAttribute("tracegate.request_id", "req-1").startSpan().end();

    assertThat(TraceJudge.judge(exported.getFinishedSpanItems(), false).requestIds())
        .containsExactly("req-1");
  }
}
