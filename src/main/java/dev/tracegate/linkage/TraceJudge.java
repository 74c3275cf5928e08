package dev.tracegate.linkage;

import dev.tracegate.telemetry.Attr;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Judges one settled trace on its own: which spans break which rule. A pure function of the spans,
 * so each rule is tested without a gateway. {@code split_request} needs other traces and is the
 * audit's business; the request ids it needs are collected here.
 */
final class TraceJudge {
  static final long CLOCK_TOLERANCE_NANOS = 1_000_000;

  private TraceJudge() {}

  /** What one trace shows: offending span ids by kind, and the request ids its spans carry. */
  record Verdict(Map<Violation, List<String>> spans, Set<String> requestIds) {
    int count(Violation kind) {
      return spans.getOrDefault(kind, List.of()).size();
    }
  }

  /**
   * {@code truncated} says the buffer kept only part of the trace: a missing parent then proves
   * nothing, so {@code orphan} is not judged.
   */
  static Verdict judge(List<SpanData> spans, boolean truncated) {
    Map<String, SpanData> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.getSpanId(), s));
    Map<Violation, List<String>> found = new EnumMap<>(Violation.class);
    Set<String> requestIds = new LinkedHashSet<>();
    for (SpanData s : spans) {
      String requestId = s.getAttributes().get(Attr.REQUEST_ID);
      if (requestId != null) {
        requestIds.add(requestId);
      }
      if (!s.hasEnded()) {
        add(found, Violation.UNENDED, s);
      } else if (recordsException(s) && s.getStatus().getStatusCode() != StatusCode.ERROR) {
        add(found, Violation.ERROR_UNSET, s);
      }
      if (!s.getParentSpanContext().isValid()) {
        continue;
      }
      SpanData parent = byId.get(s.getParentSpanId());
      if (parent == null) {
        if (!s.getParentSpanContext().isRemote() && !truncated) {
          add(found, Violation.ORPHAN, s);
        }
        continue;
      }
      if (s.getStartEpochNanos() < parent.getStartEpochNanos() - CLOCK_TOLERANCE_NANOS) {
        add(found, Violation.CLOCK, s);
      }
      if (outlives(s, parent)) {
        add(found, Violation.OUTLIVED_PARENT, s);
      }
    }
    return new Verdict(found, requestIds);
  }

  /**
   * A child ended after its ended parent, within one process: a child in another process (its
   * parent remote) has its own clock, and a server that finishes after its client gave up is a
   * timeout, not a linkage fault. PRODUCER -> CONSUMER is the one pair allowed to outlive.
   */
  private static boolean outlives(SpanData child, SpanData parent) {
    if (!child.hasEnded() || !parent.hasEnded() || child.getParentSpanContext().isRemote()) {
      return false;
    }
    if (parent.getKind() == SpanKind.PRODUCER || child.getKind() == SpanKind.CONSUMER) {
      return false;
    }
    return child.getEndEpochNanos() > parent.getEndEpochNanos();
  }

  private static boolean recordsException(SpanData s) {
    for (EventData e : s.getEvents()) {
      if ("exception".equals(e.getName())) {
        return true;
      }
    }
    return false;
  }

  private static void add(Map<Violation, List<String>> found, Violation kind, SpanData s) {
    found.computeIfAbsent(kind, k -> new ArrayList<>()).add(s.getSpanId());
  }
}
