package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tracegate's OTLP encoder against the SDK's own marshaler: the same spans, encoded by both and
 * decoded with opentelemetry-proto's classes, must be the same request, field for field: every
 * attribute type, events, links, trace state, remote parents, status, dropped counts, two scopes,
 * non-ASCII text and lengths that need multi-byte varints.
 */
class OtlpTraceEncoderTest {
  private final List<SpanData> finished = new ArrayList<>();

  private final SpanProcessor collect =
      new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
          return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
          finished.add(span.toSpanData());
        }

        @Override
        public boolean isEndRequired() {
          return true;
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };

  @Test
  void encodesEverySpanFieldAsTheSdkMarshalerDoes() throws Exception {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"),
                        "encoder-test",
                        AttributeKey.longKey("pid"),
                        42L),
                    "https://opentelemetry.io/schemas/1.24.0"))
            .setSpanLimits(
                SpanLimits.builder()
                    .setMaxNumberOfAttributes(14)
                    .setMaxNumberOfEvents(3)
                    .setMaxNumberOfLinks(2)
                    .setMaxNumberOfAttributesPerEvent(2)
                    .build())
            .addSpanProcessor(collect)
            .build();
    Tracer gateway =
        provider
            .tracerBuilder("dev.tracegate")
            .setInstrumentationVersion("1.2.3")
            .setSchemaUrl("https://opentelemetry.io/schemas/1.21.0")
            .build();
    Tracer other = provider.get("io.vertx");

    SpanContext remote =
        SpanContext.createFromRemoteParent(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.builder().put("vendor", "v1").put("other", "x=y").build());
    Span server =
        gateway
            .spanBuilder("GET /shop/{id}")
            .setParent(Context.root().with(Span.wrap(remote)))
            .setSpanKind(SpanKind.SERVER)
            .addLink(remote, Attributes.of(AttributeKey.stringKey("link.reason"), "retry"))
            .addLink(
                SpanContext.create(
                    "4bf92f3577b34da6a3ce929d0e0e4736",
                    "00f067aa0ba902b7",
                    TraceFlags.getDefault(),
                    TraceState.getDefault()))
            .addLink(remote) // over the limit of two: counted as dropped
            .startSpan();
    server
        .setAttribute("http.request.method", "GET")
        .setAttribute(
            "url.path", "/shop/caf\u00e9/\u20ac/\ud834\udd1e/\ud800x") // 2-, 3-, 4-byte, unpaired
        .setAttribute("empty", "")
        .setAttribute("long.negative", -7L)
        .setAttribute("long.max", Long.MAX_VALUE)
        .setAttribute("double", 0.25)
        .setAttribute("bool.false", false)
        .setAttribute(AttributeKey.stringArrayKey("strings"), List.of("a", "", "\u00fc"))
        .setAttribute(AttributeKey.longArrayKey("longs"), List.of(1L, -2L, 300L))
        .setAttribute(AttributeKey.doubleArrayKey("doubles"), List.of(1.5, -0.0))
        .setAttribute(AttributeKey.booleanArrayKey("bools"), List.of(true, false))
        .setAttribute(
            AttributeKey.valueKey("value"),
            Value.of(
                KeyValue.of("bytes", Value.of(new byte[] {0, 1, (byte) 0xff})),
                KeyValue.of("array", Value.of(Value.of("x"), Value.of(3L), Value.of(true))),
                KeyValue.of("double", Value.of(2.5))))
        .setAttribute("long.text", "x".repeat(300)) // a two-byte length inside the span
        .setAttribute("huge.text", "y".repeat(20_000)) // three bytes
        .setAttribute("over.the.limit", "dropped");
    server.addEvent("plain");
    server.addEvent(
        "with attributes",
        Attributes.of(
            AttributeKey.stringKey("a"),
            "1",
            AttributeKey.longKey("b"),
            2L,
            AttributeKey.booleanKey("c"),
            true)); // one over the per-event limit
    server.addEvent("third");
    server.addEvent("fourth, dropped");
    Span client =
        other
            .spanBuilder("GET")
            .setParent(Context.root().with(server))
            .setSpanKind(SpanKind.CLIENT)
            .startSpan();
    client.setStatus(StatusCode.ERROR, "upstream answered 503 \u2013 try later");
    client.recordException(new IllegalStateException("boom"));
    client.end();
    server.setStatus(StatusCode.OK);
    server.end();
    gateway.spanBuilder("").setSpanKind(SpanKind.INTERNAL).setNoParent().startSpan().end();
    for (SpanKind kind : SpanKind.values()) {
      gateway.spanBuilder("kind " + kind).setSpanKind(kind).startSpan().end();
    }
    // enough spans that the scope's length takes three varint bytes
    for (int i = 0; i < 4000; i++) {
      gateway
          .spanBuilder("bulk")
          .setSpanKind(SpanKind.CLIENT)
          .startSpan()
          .setAttribute("i", (long) i)
          .setAttribute("server.address", "upstream-" + i + ".internal")
          .end();
    }

    byte[] ours = new OtlpTraceEncoder().encode(finished);
    ByteArrayOutputStream sdk = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(finished).writeBinaryTo(sdk);

    ExportTraceServiceRequest decoded = ExportTraceServiceRequest.parseFrom(ours);
    assertThat(normalized(decoded))
        .isEqualTo(normalized(ExportTraceServiceRequest.parseFrom(sdk.toByteArray())));
    assertThat(decoded.getResourceSpans(0).getScopeSpansList()).hasSize(2);
    // the export path: spans encoded one by one where they end, the request written around them
    List<OtlpTraceEncoder.Encoded> oneByOne = new ArrayList<>();
    for (SpanData span : finished) {
      oneByOne.add(new OtlpTraceEncoder(16).encodeSpan(span));
    }
    OtlpTraceEncoder.Request request = new OtlpTraceEncoder(16).request(oneByOne);
    assertThat(request.toByteArray()).isEqualTo(ours);
    assertThat(request.length()).isEqualTo(ours.length);
    assertThat(
            decoded.getResourceSpans(0).getScopeSpansList().stream()
                .mapToInt(ScopeSpans::getSpansCount)
                .sum())
        .isEqualTo(finished.size());
    assertThat(ours.length)
        .as("no bytes beyond the request")
        .isEqualTo(decoded.getSerializedSize());
    assertThat(
            decoded.getResourceSpans(0).getScopeSpansList().stream()
                .flatMap(s -> s.getSpansList().stream())
                .filter(s -> s.getName().equals("GET /shop/{id}"))
                .findFirst()
                .orElseThrow()
                .getAttributesList()
                .stream()
                .filter(kv -> kv.getKey().equals("url.path"))
                .findFirst()
                .orElseThrow()
                .getValue()
                .getStringValueBytes()
                .toByteArray())
        .isEqualTo("/shop/caf\u00e9/\u20ac/\ud834\udd1e/\ud800x".getBytes(StandardCharsets.UTF_8));
    provider.close();
  }

  @Test
  void encodesSpansOfTwoResourcesAsTwoResourceSpans() throws Exception {
    for (String name : List.of("first", "second")) {
      SdkTracerProvider provider =
          SdkTracerProvider.builder()
              .setResource(
                  Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), name)))
              .addSpanProcessor(collect)
              .build();
      provider.get("t").spanBuilder("span of " + name).startSpan().end();
      provider.get("t").spanBuilder("another of " + name).startSpan().end();
      provider.close();
    }
    byte[] ours = new OtlpTraceEncoder().encode(finished);
    ByteArrayOutputStream sdk = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(finished).writeBinaryTo(sdk);
    ExportTraceServiceRequest decoded = ExportTraceServiceRequest.parseFrom(ours);
    assertThat(decoded.getResourceSpansCount()).isEqualTo(2);
    List<OtlpTraceEncoder.Encoded> oneByOne = new ArrayList<>();
    for (SpanData span : finished) {
      oneByOne.add(new OtlpTraceEncoder(16).encodeSpan(span));
    }
    assertThat(new OtlpTraceEncoder().request(oneByOne).toByteArray()).isEqualTo(ours);
    assertThat(normalized(decoded))
        .isEqualTo(normalized(ExportTraceServiceRequest.parseFrom(sdk.toByteArray())));
  }

  /**
   * The same request with resources and scopes in a fixed order (the SDK groups through hash maps).
   */
  private static ExportTraceServiceRequest normalized(ExportTraceServiceRequest request) {
    List<ResourceSpans> resources = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      List<ScopeSpans> scopes = new ArrayList<>(rs.getScopeSpansList());
      scopes.sort(Comparator.comparing(s -> s.getScope().getName()));
      resources.add(rs.toBuilder().clearScopeSpans().addAllScopeSpans(scopes).build());
    }
    resources.sort(Comparator.comparing(r -> r.getResource().toString()));
    return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(resources).build();
  }
}
