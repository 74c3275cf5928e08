package dev.tracegate.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Writes an OTLP {@code ExportTraceServiceRequest} (protobuf, opentelemetry-proto's {@code
 * trace/v1}) straight from the SDK's span data into one growing array: no object per span,
 * attribute or string on the way, where the SDK's marshaler builds a tree of them and then walks it
 * again (at 100 % sampling that tree was most of the exporter thread's time and a fair share of the
 * young generation). A nested message reserves one byte for its length and moves its body up when
 * the length needs more, which only spans and the two containers around them ever do. Not
 * thread-safe: one encoder per thread.
 */
final class OtlpTraceEncoder {
  // field numbers of opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto
  private static final int REQUEST_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_RESOURCE = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int RESOURCE_SPANS_SCHEMA_URL = 3;
  private static final int RESOURCE_ATTRIBUTES = 1;
  private static final int SCOPE_SPANS_SCOPE = 1;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SCOPE_SPANS_SCHEMA_URL = 3;
  private static final int SCOPE_NAME = 1;
  private static final int SCOPE_VERSION = 2;
  private static final int SCOPE_ATTRIBUTES = 3;
  private static final int SPAN_TRACE_ID = 1;
  private static final int SPAN_SPAN_ID = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_PARENT_SPAN_ID = 4;
  private static final int SPAN_NAME = 5;
  private static final int SPAN_KIND = 6;
  private static final int SPAN_START = 7;
  private static final int SPAN_END = 8;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int SPAN_DROPPED_ATTRIBUTES = 10;
  private static final int SPAN_EVENTS = 11;
  private static final int SPAN_DROPPED_EVENTS = 12;
  private static final int SPAN_LINKS = 13;
  private static final int SPAN_DROPPED_LINKS = 14;
  private static final int SPAN_STATUS = 15;
  private static final int SPAN_FLAGS = 16;
  private static final int EVENT_TIME = 1;
  private static final int EVENT_NAME = 2;
  private static final int EVENT_ATTRIBUTES = 3;
  private static final int EVENT_DROPPED_ATTRIBUTES = 4;
  private static final int LINK_TRACE_ID = 1;
  private static final int LINK_SPAN_ID = 2;
  private static final int LINK_TRACE_STATE = 3;
  private static final int LINK_ATTRIBUTES = 4;
  private static final int LINK_DROPPED_ATTRIBUTES = 5;
  private static final int LINK_FLAGS = 6;
  private static final int STATUS_MESSAGE = 2;
  private static final int STATUS_CODE = 3;
  private static final int KEY_VALUE_KEY = 1;
  private static final int KEY_VALUE_VALUE = 2;
  private static final int ANY_STRING = 1;
  private static final int ANY_BOOL = 2;
  private static final int ANY_INT = 3;
  private static final int ANY_DOUBLE = 4;
  private static final int ANY_ARRAY = 5;
  private static final int ANY_KVLIST = 6;
  private static final int ANY_BYTES = 7;
  private static final int LIST_VALUES = 1;

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  /** Span flags bits 8 and 9: whether the parent's remoteness is known, and whether it is. */
  private static final int HAS_IS_REMOTE = 0x100;

  private static final int IS_REMOTE = 0x200;

  private final int initialSize;
  private byte[] buf;
  private int pos;

  /** An encoder for requests: its array starts at 64 KiB. */
  OtlpTraceEncoder() {
    this(64 * 1024);
  }

  /** An encoder whose array starts at {@code initialSize} bytes and grows as needed. */
  OtlpTraceEncoder(int initialSize) {
    this.initialSize = initialSize;
    this.buf = new byte[initialSize];
  }

  /** The field number the attribute currently being written goes to (span, event, link ...). */
  private int attributeField;

  private final BiConsumer<AttributeKey<?>, Object> attributeWriter =
      (key, value) -> attribute(attributeField, key, value);

  /** A span already encoded (as a {@code ScopeSpans.spans} field), with what it is grouped by. */
  record Encoded(Resource resource, InstrumentationScopeInfo scope, byte[] bytes) {}

  /** The request for {@code spans}, grouped by resource, then by instrumentation scope. */
  byte[] encode(Collection<SpanData> spans) {
    pos = 0;
    group(spans, SpanData::getResource, SpanData::getInstrumentationScopeInfo)
        .forEach(
            (resource, scopes) -> {
              int outer = begin(REQUEST_RESOURCE_SPANS);
              int res = begin(RESOURCE_SPANS_RESOURCE);
              attributes(RESOURCE_ATTRIBUTES, resource.getAttributes());
              end(res);
              scopes.forEach(
                  (scope, members) -> {
                    int scopeSpans = begin(RESOURCE_SPANS_SCOPE_SPANS);
                    int sc = begin(SCOPE_SPANS_SCOPE);
                    scopeBody(scope);
                    end(sc);
                    members.forEach(this::span);
                    optionalString(SCOPE_SPANS_SCHEMA_URL, scope.getSchemaUrl());
                    end(scopeSpans);
                  });
              optionalString(RESOURCE_SPANS_SCHEMA_URL, resource.getSchemaUrl());
              end(outer);
            });
    byte[] out = Arrays.copyOf(buf, pos);
    if (buf.length > 16 * 1024 * 1024) {
      buf = new byte[initialSize]; // one huge batch does not pin its array for good
    }
    return out;
  }

  /** The fields of an {@code InstrumentationScope} message. */
  private void scopeBody(InstrumentationScopeInfo scope) {
    optionalString(SCOPE_NAME, scope.getName());
    optionalString(SCOPE_VERSION, scope.getVersion());
    attributes(SCOPE_ATTRIBUTES, scope.getAttributes());
  }

  /**
   * One span as the {@code ScopeSpans.spans} field that {@link #request(List)} joins: a span can be
   * encoded on the thread that ended it, while its data is still in that core's cache, and wait for
   * the exporter as these few hundred bytes instead of its object graph.
   */
  Encoded encodeSpan(SpanData span) {
    pos = 0;
    span(span);
    return new Encoded(
        span.getResource(), span.getInstrumentationScopeInfo(), Arrays.copyOf(buf, pos));
  }

  /**
   * The request for spans encoded by {@link #encodeSpan}, the same bytes {@link #encode} makes, as
   * its framing (the resource and scope messages and the lengths around them) plus the spans' own
   * arrays, written out in order and never joined into one array: at 2,048 spans per request that
   * array and its trimmed copy were 1.6 MB of young garbage per batch, copied twice on the way.
   */
  Request request(List<Encoded> spans) {
    // first the resource and scope messages in their own arrays and each scope's span bytes
    // counted: the framing written below needs their lengths before their contents
    List<ResourceGroup> resources = new ArrayList<>();
    group(spans, Encoded::resource, Encoded::scope)
        .forEach(
            (resource, scopes) -> {
              List<ScopeGroup> members = new ArrayList<>();
              scopes.forEach(
                  (scope, encoded) -> {
                    int spanBytes = 0;
                    for (Encoded e : encoded) {
                      spanBytes += e.bytes().length;
                    }
                    members.add(
                        new ScopeGroup(
                            message(() -> scopeBody(scope)),
                            scope.getSchemaUrl(),
                            encoded,
                            spanBytes));
                  });
              resources.add(
                  new ResourceGroup(
                      message(() -> attributes(RESOURCE_ATTRIBUTES, resource.getAttributes())),
                      resource.getSchemaUrl(),
                      members));
            });
    int scopeCount = 0;
    for (ResourceGroup r : resources) {
      scopeCount += r.scopes().size();
    }
    pos = 0;
    List<Collection<Encoded>> groups = new ArrayList<>(scopeCount);
    int[] cuts = new int[scopeCount + 2];
    int spanBytes = 0;
    for (ResourceGroup r : resources) {
      int body = fieldSize(r.resource().length) + stringFieldSize(r.schemaUrl());
      for (ScopeGroup sc : r.scopes()) {
        body += fieldSize(sc.length());
      }
      tag(REQUEST_RESOURCE_SPANS, LENGTH_DELIMITED);
      varint(body);
      tag(RESOURCE_SPANS_RESOURCE, LENGTH_DELIMITED);
      bytes(r.resource());
      for (ScopeGroup sc : r.scopes()) {
        tag(RESOURCE_SPANS_SCOPE_SPANS, LENGTH_DELIMITED);
        varint(sc.length());
        tag(SCOPE_SPANS_SCOPE, LENGTH_DELIMITED);
        bytes(sc.scope());
        groups.add(sc.spans());
        cuts[groups.size()] = pos;
        spanBytes += sc.spanBytes();
        optionalString(SCOPE_SPANS_SCHEMA_URL, sc.schemaUrl());
      }
      optionalString(RESOURCE_SPANS_SCHEMA_URL, r.schemaUrl());
    }
    cuts[groups.size() + 1] = pos;
    return new Request(Arrays.copyOf(buf, pos), cuts, groups, pos + spanBytes);
  }

  /** A resource's message and its scopes, as {@link #request(List)} writes them. */
  private record ResourceGroup(byte[] resource, String schemaUrl, List<ScopeGroup> scopes) {}

  /** A scope's message and its spans with their length in bytes. */
  private record ScopeGroup(
      byte[] scope, String schemaUrl, Collection<Encoded> spans, int spanBytes) {
    /** The length of the {@code ScopeSpans} message. */
    int length() {
      return fieldSize(scope.length) + spanBytes + stringFieldSize(schemaUrl);
    }
  }

  /** What {@code body} writes, as its own array. */
  private byte[] message(Runnable body) {
    pos = 0;
    body.run();
    return Arrays.copyOf(buf, pos);
  }

  /** A length-delimited field of {@code length} bytes with a one-byte tag (field numbers < 16). */
  private static int fieldSize(int length) {
    return 1 + varintSize(length) + length;
  }

  /** What {@link #optionalString} writes for {@code s}. */
  private static int stringFieldSize(String s) {
    return s == null || s.isEmpty() ? 0 : fieldSize(s.getBytes(StandardCharsets.UTF_8).length);
  }

  /**
   * An {@code ExportTraceServiceRequest} as pieces: framing piece 0, the spans of group 0, framing
   * piece 1, ... and the last framing piece. Immutable, so a retry writes the same bytes again.
   */
  static final class Request {
    private final byte[] framing;
    private final int[] cuts;
    private final List<Collection<Encoded>> groups;
    private final int length;

    private Request(byte[] framing, int[] cuts, List<Collection<Encoded>> groups, int length) {
      this.framing = framing;
      this.cuts = cuts;
      this.groups = groups;
      this.length = length;
    }

    /** A request already encoded whole. */
    static Request of(byte[] bytes) {
      return new Request(bytes, new int[] {0, bytes.length}, List.of(), bytes.length);
    }

    int length() {
      return length;
    }

    /**
     * Framing piece {@code i} from {@code cuts[i]} to {@code cuts[i + 1]}, then group i's spans.
     */
    void writeTo(OutputStream out) throws IOException {
      for (int i = 0; i + 1 < cuts.length; i++) {
        out.write(framing, cuts[i], cuts[i + 1] - cuts[i]);
        if (i < groups.size()) {
          for (Encoded e : groups.get(i)) {
            out.write(e.bytes());
          }
        }
      }
    }

    byte[] toByteArray() {
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      try {
        writeTo(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }

  /**
   * By resource, then scope, in order of first appearance; without a map when every span shares the
   * first one's (the common case).
   */
  private static <T> Map<Resource, Map<InstrumentationScopeInfo, Collection<T>>> group(
      Collection<T> spans,
      Function<T, Resource> resourceOf,
      Function<T, InstrumentationScopeInfo> scopeOf) {
    if (spans.isEmpty()) {
      return Map.of();
    }
    T first = spans.iterator().next();
    Resource resource = resourceOf.apply(first);
    InstrumentationScopeInfo scope = scopeOf.apply(first);
    boolean mixed = false;
    for (T span : spans) {
      if (resourceOf.apply(span) != resource || scopeOf.apply(span) != scope) {
        mixed = true;
        break;
      }
    }
    if (!mixed) {
      return Map.of(resource, Map.of(scope, spans));
    }
    Map<Resource, Map<InstrumentationScopeInfo, Collection<T>>> groups = new LinkedHashMap<>();
    for (T span : spans) {
      groups
          .computeIfAbsent(resourceOf.apply(span), r -> new LinkedHashMap<>())
          .computeIfAbsent(scopeOf.apply(span), s -> new ArrayList<>())
          .add(span);
    }
    return groups;
  }

  private void span(SpanData span) {
    int start = begin(SCOPE_SPANS_SPANS);
    SpanContext context = span.getSpanContext();
    SpanContext parent = span.getParentSpanContext();
    hexBytes(SPAN_TRACE_ID, context.getTraceId());
    hexBytes(SPAN_SPAN_ID, context.getSpanId());
    traceState(SPAN_TRACE_STATE, context.getTraceState());
    if (parent.isValid()) {
      hexBytes(SPAN_PARENT_SPAN_ID, parent.getSpanId());
    }
    optionalString(SPAN_NAME, span.getName());
    varintField(SPAN_KIND, span.getKind().ordinal() + 1); // INTERNAL .. CONSUMER are 1 .. 5
    fixed64Field(SPAN_START, span.getStartEpochNanos());
    fixed64Field(SPAN_END, span.getEndEpochNanos());
    attributes(SPAN_ATTRIBUTES, span.getAttributes());
    varintField(
        SPAN_DROPPED_ATTRIBUTES, span.getTotalAttributeCount() - span.getAttributes().size());
    List<EventData> events = span.getEvents();
    for (EventData event : events) {
      event(event);
    }
    varintField(SPAN_DROPPED_EVENTS, span.getTotalRecordedEvents() - events.size());
    List<LinkData> links = span.getLinks();
    for (LinkData link : links) {
      link(link);
    }
    varintField(SPAN_DROPPED_LINKS, span.getTotalRecordedLinks() - links.size());
    status(span.getStatus());
    fixed32Field(SPAN_FLAGS, flags(context, parent.isRemote()));
    end(start);
  }

  private void event(EventData event) {
    int start = begin(SPAN_EVENTS);
    fixed64Field(EVENT_TIME, event.getEpochNanos());
    optionalString(EVENT_NAME, event.getName());
    attributes(EVENT_ATTRIBUTES, event.getAttributes());
    varintField(
        EVENT_DROPPED_ATTRIBUTES, event.getTotalAttributeCount() - event.getAttributes().size());
    end(start);
  }

  private void link(LinkData link) {
    int start = begin(SPAN_LINKS);
    SpanContext context = link.getSpanContext();
    hexBytes(LINK_TRACE_ID, context.getTraceId());
    hexBytes(LINK_SPAN_ID, context.getSpanId());
    traceState(LINK_TRACE_STATE, context.getTraceState());
    attributes(LINK_ATTRIBUTES, link.getAttributes());
    varintField(
        LINK_DROPPED_ATTRIBUTES, link.getTotalAttributeCount() - link.getAttributes().size());
    fixed32Field(LINK_FLAGS, flags(context, context.isRemote()));
    end(start);
  }

  private static int flags(SpanContext context, boolean remote) {
    return (context.getTraceFlags().asByte() & 0xff) | HAS_IS_REMOTE | (remote ? IS_REMOTE : 0);
  }

  private void status(StatusData status) {
    int start = begin(SPAN_STATUS);
    optionalString(STATUS_MESSAGE, status.getDescription());
    varintField(STATUS_CODE, status.getStatusCode().ordinal()); // UNSET 0, OK 1, ERROR 2
    end(start);
  }

  private void traceState(int field, TraceState state) {
    if (state.isEmpty()) {
      return;
    }
    StringBuilder w3c = new StringBuilder();
    state.forEach(
        (key, value) -> {
          if (w3c.length() > 0) {
            w3c.append(',');
          }
          w3c.append(key).append('=').append(value);
        });
    optionalString(field, w3c.toString());
  }

  private void attributes(int field, Attributes attributes) {
    attributeField = field;
    attributes.forEach(attributeWriter);
  }

  @SuppressWarnings("unchecked")
  private void attribute(int field, AttributeKey<?> key, Object value) {
    int start = begin(field);
    optionalString(KEY_VALUE_KEY, key.getKey());
    int any = begin(KEY_VALUE_VALUE);
    switch (key.getType()) {
      case STRING -> string(ANY_STRING, (String) value);
      case BOOLEAN -> varintField(ANY_BOOL, (Boolean) value ? 1 : 0, true);
      case LONG -> int64(ANY_INT, (Long) value);
      case DOUBLE -> doubleField(ANY_DOUBLE, (Double) value);
      case STRING_ARRAY, BOOLEAN_ARRAY, LONG_ARRAY, DOUBLE_ARRAY -> {
        int array = begin(ANY_ARRAY);
        for (Object element : (List<Object>) value) {
          int item = begin(LIST_VALUES);
          switch (key.getType()) {
            case STRING_ARRAY -> string(ANY_STRING, (String) element);
            case BOOLEAN_ARRAY -> varintField(ANY_BOOL, (Boolean) element ? 1 : 0, true);
            case LONG_ARRAY -> int64(ANY_INT, (Long) element);
            default -> doubleField(ANY_DOUBLE, (Double) element);
          }
          end(item);
        }
        end(array);
      }
      case VALUE -> anyValueBody((Value<?>) value);
    }
    end(any);
    end(start);
  }

  /** The fields of an {@code AnyValue} holding {@code value} (nothing for an empty value). */
  @SuppressWarnings("unchecked")
  private void anyValueBody(Value<?> value) {
    switch (value.getType()) {
      case STRING -> string(ANY_STRING, (String) value.getValue());
      case BOOLEAN -> varintField(ANY_BOOL, (Boolean) value.getValue() ? 1 : 0, true);
      case LONG -> int64(ANY_INT, (Long) value.getValue());
      case DOUBLE -> doubleField(ANY_DOUBLE, (Double) value.getValue());
      case BYTES -> {
        ByteBuffer bytes = ((ByteBuffer) value.getValue()).duplicate();
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        tag(ANY_BYTES, LENGTH_DELIMITED);
        bytes(copy);
      }
      case ARRAY -> {
        int array = begin(ANY_ARRAY);
        for (Value<?> element : (List<Value<?>>) value.getValue()) {
          int item = begin(LIST_VALUES);
          anyValueBody(element);
          end(item);
        }
        end(array);
      }
      case KEY_VALUE_LIST -> {
        int list = begin(ANY_KVLIST);
        for (KeyValue kv : (List<KeyValue>) value.getValue()) {
          int entry = begin(LIST_VALUES);
          optionalString(KEY_VALUE_KEY, kv.getKey());
          int any = begin(KEY_VALUE_VALUE);
          anyValueBody(kv.getValue());
          end(any);
          end(entry);
        }
        end(list);
      }
      case EMPTY -> {}
    }
  }

  // --- protobuf primitives ---

  private void tag(int field, int wireType) {
    varint((field << 3) | wireType);
  }

  /**
   * Opens a length-delimited field: writes its tag and keeps one byte for the length, which {@link
   * #end} fills in.
   */
  private int begin(int field) {
    tag(field, LENGTH_DELIMITED);
    ensure(1);
    return pos++;
  }

  /**
   * Closes what {@link #begin} opened at {@code lengthAt}, moving the body when its length needs
   * more than one byte.
   */
  private void end(int lengthAt) {
    int length = pos - lengthAt - 1;
    int size = varintSize(length);
    if (size > 1) {
      ensure(size - 1);
      System.arraycopy(buf, lengthAt + 1, buf, lengthAt + size, length);
      pos += size - 1;
    }
    int p = lengthAt;
    long v = length;
    while (v >= 0x80) {
      buf[p++] = (byte) (v | 0x80);
      v >>>= 7;
    }
    buf[p] = (byte) v;
  }

  /** A string field, left out when null or empty (proto3's default). */
  private void optionalString(int field, String s) {
    if (s != null && !s.isEmpty()) {
      string(field, s);
    }
  }

  /**
   * A string field, written even when empty (a member of a oneof, whose presence matters). ASCII,
   * nearly every string a gateway's span holds, is copied char by char behind a length that is then
   * its char count; anything else is encoded by the JDK, as the SDK encodes it (an unpaired
   * surrogate becomes {@code ?}).
   */
  private void string(int field, String s) {
    tag(field, LENGTH_DELIMITED);
    int n = s.length();
    ensure(5 + n);
    int lengthAt = pos;
    varint(n);
    byte[] b = buf;
    int p = pos;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        pos = lengthAt;
        bytes(s.getBytes(StandardCharsets.UTF_8));
        return;
      }
      b[p++] = (byte) c;
    }
    pos = p;
  }

  private void bytes(byte[] bytes) {
    varint(bytes.length);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, pos, bytes.length);
    pos += bytes.length;
  }

  /** An id given as lower-case hex (the SDK's form), written as its bytes. */
  private void hexBytes(int field, String hex) {
    int n = hex.length() / 2;
    tag(field, LENGTH_DELIMITED);
    varint(n);
    ensure(n);
    byte[] b = buf;
    int p = pos;
    for (int i = 0; i < n; i++) {
      b[p++] =
          (byte) ((NIBBLE[hex.charAt(2 * i) & 0x7F] << 4) | NIBBLE[hex.charAt(2 * i + 1) & 0x7F]);
    }
    pos = p;
  }

  /**
   * Hex digit to value by table: ids are random, so a branch on "digit or letter" would be
   * mispredicted for every other character, and was the encoder's largest cost.
   */
  private static final byte[] NIBBLE = new byte[128];

  static {
    for (int i = 0; i < 10; i++) {
      NIBBLE['0' + i] = (byte) i;
    }
    for (int i = 0; i < 6; i++) {
      NIBBLE['a' + i] = (byte) (10 + i);
      NIBBLE['A' + i] = (byte) (10 + i);
    }
  }

  private void varintField(int field, long value) {
    varintField(field, value, false);
  }

  private void varintField(int field, long value, boolean evenIfZero) {
    if (value != 0 || evenIfZero) {
      tag(field, VARINT);
      varint(value);
    }
  }

  /** An int64 in a oneof: always written, negative numbers as ten bytes. */
  private void int64(int field, long value) {
    varintField(field, value, true);
  }

  private void doubleField(int field, double value) {
    tag(field, FIXED64);
    fixed64(Double.doubleToRawLongBits(value));
  }

  private void fixed64Field(int field, long value) {
    if (value != 0) {
      tag(field, FIXED64);
      fixed64(value);
    }
  }

  private void fixed32Field(int field, int value) {
    if (value != 0) {
      tag(field, FIXED32);
      ensure(4);
      for (int i = 0; i < 4; i++) {
        buf[pos++] = (byte) (value >>> (8 * i));
      }
    }
  }

  private void fixed64(long value) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (value >>> (8 * i));
    }
  }

  private void varint(long value) {
    ensure(10);
    while ((value & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buf[pos++] = (byte) value;
  }

  private static int varintSize(int value) {
    return value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5;
  }

  private void ensure(int more) {
    if (pos + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }
}
