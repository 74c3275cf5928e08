package dev.tracegate.linkage;

import dev.tracegate.telemetry.RecentTraces;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The linkage audit: judges every trace of the recent-trace buffer once it has settled, off the
 * request path, on one thread of its own, and keeps per violation kind a count and the newest
 * example trace ids. A trace in flight is never judged; one evicted before it settled is counted as
 * such, never as broken. {@code split_request} compares request ids across the traces judged lately
 * (a bounded memory, a few times the buffer's size).
 */
public final class LinkageAudit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkageAudit.class);
  static final int EXAMPLES = 10;

  private final RecentTraces recent;
  private final Duration settle;
  private final ScheduledExecutorService thread;
  private final Map<Violation, Long> counts = new EnumMap<>(Violation.class);
  private final Map<Violation, ArrayDeque<String>> examples = new EnumMap<>(Violation.class);
  private final Map<String, String> traceOfRequest;
  private long judged;

  public LinkageAudit(RecentTraces recent, int capacity, Duration settle) {
    this.recent = recent;
    this.settle = settle;
    int remembered = Math.max(1024, capacity * 4);
    this.traceOfRequest =
        new LinkedHashMap<>(256, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > remembered;
          }
        };
    for (Violation v : Violation.values()) {
      counts.put(v, 0L);
      examples.put(v, new ArrayDeque<>(EXAMPLES));
    }
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tracegate-linkage");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(50, Math.min(1000, settle.toMillis() / 4));
    thread.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      recent.drainSettled(
          settle.toNanos(),
          settled ->
              record(settled.traceId(), TraceJudge.judge(settled.spans(), settled.truncated())));
    } catch (Throwable e) {
      // anything thrown out of a scheduled task cancels it for good: the audit would stop in
      // silence
      LOG.warn("linkage audit: a round failed, the next one goes on: " + e, e);
    }
  }

  private synchronized void record(String traceId, TraceJudge.Verdict verdict) {
    judged++;
    for (Violation kind : Violation.values()) {
      int n = verdict.count(kind);
      if (n > 0) {
        count(kind, n, traceId);
      }
    }
    boolean split = false;
    for (String requestId : verdict.requestIds()) {
      String other = traceOfRequest.putIfAbsent(requestId, traceId);
      if (other != null && !other.equals(traceId) && !split) {
        split = true;
        count(Violation.SPLIT_REQUEST, 1, traceId);
        example(Violation.SPLIT_REQUEST, other);
      }
    }
  }

  private void count(Violation kind, long n, String traceId) {
    counts.merge(kind, n, Long::sum);
    example(kind, traceId);
  }

  private void example(Violation kind, String traceId) {
    ArrayDeque<String> list = examples.get(kind);
    if (list.contains(traceId)) {
      return;
    }
    if (list.size() == EXAMPLES) {
      list.removeFirst();
    }
    list.addLast(traceId);
  }

  public synchronized long violations(Violation kind) {
    return counts.get(kind);
  }

  /** Traces judged so far. */
  public synchronized long judged() {
    return judged;
  }

  /** New traces the buffer did not take, arriving faster than it keeps them. */
  public long skipped() {
    return recent.skipped();
  }

  /** Traces in the buffer still waiting to settle. */
  public int unsettled() {
    return recent.unsettled();
  }

  /** Every violation found so far, of any kind. */
  public synchronized long violations() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Traces evicted from the buffer before they settled (never judged). */
  public long evictedUnsettled() {
    return recent.evictedUnsettled();
  }

  /**
   * {@code GET /linkage}: per kind a count, its meaning and up to ten example trace ids, newest
   * last.
   */
  public synchronized JsonObject report() {
    JsonObject kinds = new JsonObject();
    long total = 0;
    for (Violation kind : Violation.values()) {
      long n = counts.get(kind);
      total += n;
      kinds.put(
          kind.key(),
          new JsonObject()
              .put("count", n)
              .put("examples", new JsonArray(List.copyOf(examples.get(kind))))
              .put("meaning", kind.meaning()));
    }
    return new JsonObject()
        .put("tracesJudged", judged)
        .put("tracesEvictedUnsettled", recent.evictedUnsettled())
        .put("tracesSkipped", recent.skipped())
        .put("settleMs", settle.toMillis())
        .put("violations", total)
        .put("kinds", kinds);
  }

  /** {@code GET /linkage?format=text}: the same as a short table. */
  public synchronized String text() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "linkage audit: %d trace(s) judged, %d evicted before they settled, %d not kept "
                + "(over the buffer's intake); settle %d ms%n",
            judged, recent.evictedUnsettled(), recent.skipped(), settle.toMillis()));
    out.append(String.format("%-16s %8s  %s%n", "kind", "count", "example traces (newest last)"));
    for (Violation kind : Violation.values()) {
      out.append(
          String.format(
              "%-16s %8d  %s%n",
              kind.key(), counts.get(kind), String.join(" ", examples.get(kind))));
    }
    return out.toString();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
