package dev.tracegate.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * W3C Trace Context as the W3C test suite ({@code test/test.py}) judges it. {@code traceparent} is
 * the OpenTelemetry propagator's; {@code tracestate} is passed on by tracegate itself, because the
 * SDK's {@code TraceState} refuses what the specification allows: keys with {@code @} anywhere
 * after their first character ({@code foo@}, {@code foo@@bar}, {@code t@vvvvvvvvvvvvvvv}), and a
 * list with a key repeated, whose uniqueness the specification makes the sender's duty. So the
 * incoming list, its header lines joined, is checked by the suite's grammar, a repeated key keeping
 * its first value, and carried in the context beside the span to every injection under the same
 * trace; a list that breaks the grammar (a key starting with {@code @}, a key over 256 characters,
 * a member without a value, more than 32 members) is dropped whole, the trace continuing.
 */
public final class TraceContextPropagator implements TextMapPropagator {
  private static final String TRACESTATE = "tracestate";

  static final int MAX_MEMBERS = 32;

  private static final Pattern DELIMITER = Pattern.compile("[ \t]*,[ \t]*");

  /** The suite's member grammar: key {@code [0-9a-z][_0-9a-z-*\/@]{0,255}}, then a value. */
  private static final Pattern MEMBER =
      Pattern.compile(
          "([0-9a-z][_0-9a-z\\-*/@]{0,255})=([\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e])");

  private static final ContextKey<String> INCOMING = ContextKey.named("tracegate-tracestate");

  private static final TraceContextPropagator INSTANCE = new TraceContextPropagator();

  private final W3CTraceContextPropagator traceparent = W3CTraceContextPropagator.getInstance();

  private TraceContextPropagator() {}

  public static TraceContextPropagator getInstance() {
    return INSTANCE;
  }

  /** The incoming {@code tracestate} this context carries, as it will be passed on; or null. */
  public static String tracestate(Context context) {
    return context.get(INCOMING);
  }

  @Override
  public Collection<String> fields() {
    return traceparent.fields();
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = traceparent.extract(context, carrier, getter);
    if (!Span.fromContext(extracted).getSpanContext().isRemote()) {
      return extracted; // no valid parent came, so no list to continue
    }
    String list = normalize(getter.get(carrier, TRACESTATE));
    return list == null ? extracted : extracted.with(INCOMING, list);
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    String incoming = context.get(INCOMING);
    if (incoming == null) {
      // nothing came in: the span's own list, if any, is what the SDK's propagator writes
      traceparent.inject(context, carrier, setter);
      return;
    }
    SpanContext span = Span.fromContext(context).getSpanContext();
    if (!span.isValid()) {
      return;
    }
    // the list is written here, once, whatever the carrier's setter does with a second value
    traceparent.inject(
        context,
        carrier,
        (c, key, value) -> {
          if (!TRACESTATE.equals(key)) {
            setter.set(c, key, value);
          }
        });
    setter.set(carrier, TRACESTATE, merge(span, incoming));
  }

  /**
   * The members of {@code header} (its lines joined by commas) that pass on: each member checked, a
   * repeated key keeping its first value; null when there are none or any member breaks the
   * grammar.
   */
  static String normalize(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    Map<String, String> members = new LinkedHashMap<>();
    for (String member : DELIMITER.split(header.strip())) {
      if (member.isEmpty()) {
        continue;
      }
      var m = MEMBER.matcher(member);
      if (!m.matches()) {
        return null;
      }
      members.putIfAbsent(m.group(1), m.group(2));
    }
    if (members.isEmpty() || members.size() > MAX_MEMBERS) {
      return null;
    }
    return join(members);
  }

  /**
   * The list to send: entries the span's own {@code TraceState} adds or changes (a sampler's, say)
   * first, as the specification asks of a vendor that updates its entry, then the incoming ones.
   */
  private static String merge(SpanContext span, String incoming) {
    if (span.getTraceState().isEmpty()) {
      return incoming;
    }
    Map<String, String> members = new LinkedHashMap<>();
    for (String member : incoming.split(",")) {
      int eq = member.indexOf('=');
      members.put(member.substring(0, eq), member.substring(eq + 1));
    }
    Map<String, String> ours = new LinkedHashMap<>();
    span.getTraceState()
        .forEach(
            (key, value) -> {
              if (!value.equals(members.get(key))) {
                ours.put(key, value);
              }
            });
    if (ours.isEmpty()) {
      return incoming;
    }
    List<String> keys = new ArrayList<>(ours.keySet());
    keys.forEach(members::remove);
    ours.putAll(members);
    while (ours.size() > MAX_MEMBERS) {
      ours.remove(new ArrayList<>(ours.keySet()).get(ours.size() - 1));
    }
    return join(ours);
  }

  private static String join(Map<String, String> members) {
    StringBuilder out = new StringBuilder();
    members.forEach(
        (k, v) -> {
          if (out.length() > 0) {
            out.append(',');
          }
          out.append(k).append('=').append(v);
        });
    return out.toString();
  }

  @Override
  public String toString() {
    return "TraceContextPropagator";
  }
}
