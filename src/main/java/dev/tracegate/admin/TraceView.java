package dev.tracegate.admin;

import dev.tracegate.telemetry.Attr;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.semconv.ServiceAttributes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One trace as a tree of spans: as JSON for tools, and as an indented text waterfall for people,
 * with offsets from the trace's start, durations, a bar showing where each span sat in time, and
 * ERROR marks with their error type and description.
 */
final class TraceView {
  private static final AttributeKey<String> SERVICE = ServiceAttributes.SERVICE_NAME;
  private static final AttributeKey<String> ERROR_TYPE = Attr.ERROR_TYPE;
  private static final int BAR = 30;

  private final List<SpanData> spans;
  private final Map<String, List<SpanData>> children = new HashMap<>();
  private final List<SpanData> roots = new ArrayList<>();
  private final Set<String> ids = new HashSet<>();
  private final long start;
  private final long end;

  TraceView(List<SpanData> spans) {
    this.spans = spans;
    spans.forEach(s -> ids.add(s.getSpanId()));
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (SpanData s : spans) {
      min = Math.min(min, s.getStartEpochNanos());
      max = Math.max(max, s.getEndEpochNanos());
      if (ids.contains(s.getParentSpanId())) {
        children.computeIfAbsent(s.getParentSpanId(), k -> new ArrayList<>()).add(s);
      } else {
        roots.add(s);
      }
    }
    Comparator<SpanData> byStart = Comparator.comparingLong(SpanData::getStartEpochNanos);
    roots.sort(byStart);
    children.values().forEach(l -> l.sort(byStart));
    this.start = min;
    this.end = max;
  }

  SpanData root() {
    return roots.get(0);
  }

  double durationMs() {
    return (end - start) / 1e6;
  }

  boolean hasError() {
    return spans.stream().anyMatch(s -> s.getStatus().getStatusCode() == StatusCode.ERROR);
  }

  /** The list entry: id, root name, duration, error flag. */
  JsonObject summary() {
    SpanData root = root();
    return new JsonObject()
        .put("traceId", root.getTraceId())
        .put("root", root.getName())
        .put("service", service(root))
        .put("durationMs", round(durationMs()))
        .put("error", hasError())
        .put("spans", spans.size())
        .put("startEpochMs", start / 1_000_000);
  }

  JsonObject json() {
    JsonArray tree = new JsonArray();
    roots.forEach(r -> tree.add(node(r)));
    return summary().put("tree", tree);
  }

  private JsonObject node(SpanData s) {
    JsonObject attrs = new JsonObject();
    s.getAttributes().forEach((k, v) -> attrs.put(k.getKey(), v));
    JsonArray events = new JsonArray();
    for (EventData e : s.getEvents()) {
      JsonObject ev =
          new JsonObject()
              .put("name", e.getName())
              .put("offsetMs", round((e.getEpochNanos() - start) / 1e6));
      e.getAttributes().forEach((k, v) -> ev.put(k.getKey(), String.valueOf(v)));
      events.add(ev);
    }
    JsonArray kids = new JsonArray();
    children.getOrDefault(s.getSpanId(), List.of()).forEach(c -> kids.add(node(c)));
    return new JsonObject()
        .put("spanId", s.getSpanId())
        .put("parentSpanId", s.getParentSpanId())
        .put("name", s.getName())
        .put("kind", s.getKind().name())
        .put("service", service(s))
        .put("offsetMs", round((s.getStartEpochNanos() - start) / 1e6))
        .put("durationMs", round((s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6))
        .put("status", s.getStatus().getStatusCode().name())
        .put("statusDescription", s.getStatus().getDescription())
        .put("attributes", attrs)
        .put("events", events)
        .put("children", kids);
  }

  String text() {
    StringBuilder out = new StringBuilder();
    Set<String> services = new HashSet<>();
    spans.forEach(s -> services.add(service(s)));
    out.append(
        String.format(
            "trace %s  %d spans, %d service(s), %.1f ms%s%n",
            root().getTraceId(),
            spans.size(),
            services.size(),
            durationMs(),
            hasError() ? ", ERROR" : ""));
    out.append(
        String.format("%10s %10s  %-" + BAR + "s  %s%n", "offset", "duration", "timeline", "span"));
    for (SpanData r : roots) {
      line(out, r, "", "");
    }
    return out.toString();
  }

  private void line(StringBuilder out, SpanData s, String prefix, String childPrefix) {
    double offset = (s.getStartEpochNanos() - start) / 1e6;
    double duration = (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1e6;
    out.append(
        String.format(
            "%8.1fms %8.1fms  %s  %s%s [%s %s]",
            offset, duration, bar(s), prefix, s.getName(), service(s), s.getKind().name()));
    if (s.getStatus().getStatusCode() == StatusCode.ERROR) {
      String type = s.getAttributes().get(ERROR_TYPE);
      out.append("  ERROR");
      if (type != null) {
        out.append(' ').append(type);
      }
      if (!s.getStatus().getDescription().isEmpty()) {
        out.append(": ").append(s.getStatus().getDescription());
      }
    }
    if (s.getParentSpanContext().isValid()
        && !s.getParentSpanContext().isRemote()
        && !ids.contains(s.getParentSpanId())) {
      out.append("  ORPHAN: parent ").append(s.getParentSpanId()).append(" is not in the trace");
    }
    out.append('\n');
    List<SpanData> kids = children.getOrDefault(s.getSpanId(), List.of());
    for (int i = 0; i < kids.size(); i++) {
      boolean last = i == kids.size() - 1;
      line(
          out,
          kids.get(i),
          childPrefix + (last ? "└─ " : "├─ "),
          childPrefix + (last ? "   " : "│  "));
    }
  }

  private String bar(SpanData s) {
    double total = Math.max(1, end - start);
    int from = (int) Math.floor((s.getStartEpochNanos() - start) / total * BAR);
    int to = (int) Math.ceil((s.getEndEpochNanos() - start) / total * BAR);
    from = Math.min(from, BAR - 1);
    to = Math.max(to, from + 1);
    StringBuilder b = new StringBuilder(BAR);
    for (int i = 0; i < BAR; i++) {
      b.append(i >= from && i < to ? '█' : '·');
    }
    return b.toString();
  }

  private static String service(SpanData s) {
    String name = s.getResource().getAttribute(SERVICE);
    return name == null ? "unknown" : name;
  }

  private static double round(double ms) {
    return Math.round(ms * 100) / 100.0;
  }
}
