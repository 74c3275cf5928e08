package dev.tracegate.telemetry;

import dev.tracegate.util.TokenBucket;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The last {@code telemetry.recentTraces} traces, kept in memory for the admin {@code /traces} view
 * and the linkage audit. Bounded three times: by traces (oldest evicted), by spans per trace
 * ({@value #MAX_SPANS_PER_TRACE}), and by spans in all ({@link #HEAP_SHARE} of the heap at {@link
 * #SPAN_BYTES} a span), so no client, whatever trace ids it sends, takes more of the heap. Spans
 * are kept from the moment they start, so a span that never ends is still seen (the audit calls it
 * {@code unended}); the views show ended spans only. Lock-free but for one small lock per trace, as
 * event loops feed it concurrently: a new trace takes the next slot of a ring and evicts the trace
 * that held it. Several SDKs (gateway, in-process demo services) may feed one buffer.
 */
public final class RecentTraces implements SpanProcessor {
  /**
   * A request of the gateway makes a handful of spans; a client reusing one trace id gets no more
   * than this.
   */
  static final int MAX_SPANS_PER_TRACE = 64;

  /** The spans' share of the heap the buffer may take, at {@link #SPAN_BYTES} a span. */
  static final double HEAP_SHARE = 0.10;

  /**
   * What a buffered span costs at most, about: the SDK's span with its attributes, of which a
   * client can fill several up to {@code Telemetry.MAX_ATTRIBUTE_LENGTH} (path, user agent,
   * captured headers).
   */
  static final int SPAN_BYTES = 16 * 1024;

  /** A held trace still in flight after this long is given up on (counted, never judged). */
  static final long MAX_HOLD_NANOS = 60_000_000_000L;

  private final int capacity;
  private final ConcurrentHashMap<String, Kept> traces = new ConcurrentHashMap<>();

  /**
   * The n-th trace seen sits in slot {@code n % capacity} until the (n + capacity)-th evicts it.
   */
  private final AtomicReferenceArray<Kept> ring;

  private final AtomicLong seen = new AtomicLong();
  private final LongAdder evictedUnsettled = new LongAdder();
  private final ConcurrentLinkedQueue<Kept> heldQueue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger held = new AtomicInteger();

  /**
   * Every trace before this sequence number has been handed to {@link #drainSettled} or evicted.
   */
  private long drained;

  private final boolean audited;

  /**
   * Audited: at most {@code capacity} new traces per settle on average, bursts of a quarter of the
   * capacity; else null.
   */
  private final TokenBucket intake;

  private final LongAdder skipped = new LongAdder();

  /**
   * At most this many spans are kept in all, whatever clients send: {@link #HEAP_SHARE} of the
   * heap.
   */
  private final int maxSpans;

  private final AtomicInteger spanCount = new AtomicInteger();

  /** A buffer for the trace views only: every trace is kept until newer ones push it out. */
  public RecentTraces(int capacity) {
    this.capacity = capacity;
    this.audited = false;
    this.intake = null;
    this.maxSpans = spanBudget();
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  /**
   * A buffer that a linkage audit drains after traces stay quiet for {@code settle}. New traces are
   * taken at most {@code capacity} per {@code settle} (the rest are counted in {@link #skipped} and
   * cost one map lookup per span), so under load the ring turns over no faster than its traces
   * settle and the buffer holds a steady sample instead of the last few milliseconds; a trace
   * pushed out before it settled is held for the audit, up to {@code capacity} of them (at most
   * twice the capacity in all).
   */
  public RecentTraces(int capacity, Duration settle) {
    this.capacity = capacity;
    this.audited = true;
    this.intake = new TokenBucket(settle.toNanos() / capacity, capacity / 4);
    this.maxSpans = spanBudget();
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  /** {@link #HEAP_SHARE} of the maximum heap, in spans of {@link #SPAN_BYTES}. */
  static int spanBudget() {
    return (int)
        Math.max(
            256,
            Math.min(
                Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() * HEAP_SHARE / SPAN_BYTES));
  }

  /** The most spans this buffer keeps at once. */
  public int maxSpans() {
    return maxSpans;
  }

  /** Spans kept right now. */
  public int spanCount() {
    return spanCount.get();
  }

  /** One trace's spans as they started, and when any of them last started or ended. */
  private static final class Kept {
    final String traceId;

    /** Set before the trace is put in the ring, which publishes it. */
    long seq = -1;

    final List<ReadableSpan> spans = new ArrayList<>(4);
    volatile long lastActivityNanos = System.nanoTime();
    long heldSinceNanos;

    /** Set once, by whichever comes first: the audit taking the trace, or its eviction. */
    private boolean done;

    /** Part of the trace is missing: it outgrew the per-trace bound. */
    boolean truncated;

    Kept(String traceId) {
      this.traceId = traceId;
    }

    synchronized boolean claim() {
      boolean first = !done;
      done = true;
      return first;
    }

    synchronized boolean isDone() {
      return done;
    }
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String traceId = span.getSpanContext().getTraceId();
    Kept kept = traces.get(traceId);
    if (kept == null) {
      // a trace is kept from a span whose parent lies outside the process (or that has none); a
      // span under a local parent this buffer does not keep would only make a partial copy
      SpanContext parent = span.getParentSpanContext();
      if (parent.isValid() && !parent.isRemote()) {
        return;
      }
      if (spanCount.get() >= maxSpans || !admit()) {
        skipped.increment();
        return;
      }
      Kept fresh = new Kept(traceId);
      kept = traces.putIfAbsent(traceId, fresh);
      if (kept == null) {
        kept = fresh;
        // numbered only once it won the map, so every number taken gets its slot; the slot is
        // written just after, and drainSettled waits for it
        long seq = seen.getAndIncrement();
        fresh.seq = seq;
        Kept evicted = ring.getAndSet((int) (seq % capacity), fresh);
        if (evicted != null) {
          evict(evicted);
        }
      }
    }
    synchronized (kept.spans) {
      if (kept.spans.size() < MAX_SPANS_PER_TRACE && spanCount.incrementAndGet() <= maxSpans) {
        kept.spans.add(span);
      } else {
        if (kept.spans.size() < MAX_SPANS_PER_TRACE) {
          spanCount.decrementAndGet();
        }
        kept.truncated = true;
      }
    }
    kept.lastActivityNanos = System.nanoTime();
  }

  /** Drops a trace from the map, and its spans from the count. */
  private void forget(Kept kept) {
    if (traces.remove(kept.traceId, kept)) {
      synchronized (kept.spans) {
        spanCount.addAndGet(-kept.spans.size());
        kept.spans.clear();
      }
    }
  }

  private boolean admit() {
    return intake == null || intake.take(System.nanoTime()) == 0;
  }

  /** New traces not kept because more arrived than the buffer takes (audited buffers only). */
  public long skipped() {
    return skipped.sum();
  }

  /**
   * A trace pushed out of the ring that has not settled yet stays findable (its late spans join it)
   * and waits among the held traces for the audit, while fewer than {@code capacity} wait; so under
   * load a steady sample of traces is still judged whole, and no late span starts a partial copy.
   */
  private void evict(Kept evicted) {
    if (audited && !evicted.isDone() && held.incrementAndGet() <= capacity) {
      evicted.heldSinceNanos = System.nanoTime();
      heldQueue.add(evicted);
      return;
    }
    if (audited && !evicted.isDone()) {
      held.decrementAndGet();
    }
    forget(evicted);
    if (evicted.claim()) {
      evictedUnsettled.increment();
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    Kept kept = traces.get(span.getSpanContext().getTraceId());
    if (kept != null) {
      kept.lastActivityNanos = System.nanoTime();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  /** The ended spans of one trace, or an empty list when it is unknown or already evicted. */
  public List<SpanData> trace(String traceId) {
    Kept kept = traces.get(traceId);
    if (kept == null) {
      return List.of();
    }
    List<SpanData> out = new ArrayList<>();
    for (ReadableSpan s : spansOf(kept)) {
      if (s.hasEnded()) {
        out.add(s.toSpanData());
      }
    }
    return out;
  }

  private static List<ReadableSpan> spansOf(Kept kept) {
    synchronized (kept.spans) {
      return List.copyOf(kept.spans);
    }
  }

  /** How many traces are kept right now: at most the capacity, twice that when audited. */
  public int size() {
    return traces.size();
  }

  /** Up to {@code limit} ids of traces with at least one ended span, newest first. */
  public List<String> newest(int limit) {
    List<String> ids = new ArrayList<>(Math.min(limit, 64));
    long last = seen.get() - 1;
    for (long n = last; n >= 0 && n > last - capacity && ids.size() < limit; n--) {
      Kept kept = ring.get((int) (n % capacity));
      if (kept != null && kept.seq == n && traces.get(kept.traceId) == kept && hasEnded(kept)) {
        ids.add(kept.traceId);
      }
    }
    return ids;
  }

  private static boolean hasEnded(Kept kept) {
    for (ReadableSpan s : spansOf(kept)) {
      if (s.hasEnded()) {
        return true;
      }
    }
    return false;
  }

  /** A trace that has settled: every span of it as it is now, ended or not. */
  public record Settled(String traceId, List<SpanData> spans, boolean truncated) {}

  /**
   * Hands each trace that has settled since the last call to {@code judge}, once: every span whose
   * parent lies outside this process (a remote parent, or none) has ended, and no span of it
   * started or ended for {@code quietNanos}. A trace still in flight is left for a later call; one
   * evicted before it settled (more than {@code capacity} already held, or held for a minute) is
   * counted in {@link #evictedUnsettled}. Work per call is at most one pass over the ring and one
   * over the held traces. Called from one thread at a time.
   */
  public synchronized void drainSettled(long quietNanos, Consumer<Settled> judge) {
    long now = System.nanoTime();
    for (int n = heldQueue.size(); n > 0; n--) {
      Kept kept = heldQueue.poll();
      if (kept == null) {
        break;
      }
      boolean judged = !kept.isDone() && tryJudge(kept, now, quietNanos, judge);
      if (judged || kept.isDone() || now - kept.heldSinceNanos > MAX_HOLD_NANOS) {
        forget(kept);
        held.decrementAndGet();
        if (kept.claim()) {
          evictedUnsettled.increment(); // held for a minute and still in flight: given up on
        }
      } else {
        heldQueue.add(kept);
      }
    }
    long head = seen.get();
    long from = Math.max(drained, head - capacity);
    boolean contiguous = true;
    for (long n = from; n < head; n++) {
      Kept kept = ring.get((int) (n % capacity));
      // an empty slot, or one still holding an older trace, belongs to a trace that has its number
      // but is not in the ring yet: not gone, so a later call comes back for it
      boolean gone =
          kept != null
              && kept.seq >= n
              && (kept.seq > n || kept.isDone() || tryJudge(kept, now, quietNanos, judge));
      if (gone && contiguous) {
        drained = n + 1;
      } else {
        contiguous = false;
      }
    }
  }

  /** Judges {@code kept} if it has settled, and says whether it did. */
  private static boolean tryJudge(Kept kept, long now, long quietNanos, Consumer<Settled> judge) {
    List<ReadableSpan> spans = spansOf(kept);
    if (now - kept.lastActivityNanos < quietNanos || !localRootsEnded(spans) || !kept.claim()) {
      return false;
    }
    List<SpanData> data = new ArrayList<>(spans.size());
    spans.forEach(s -> data.add(s.toSpanData()));
    judge.accept(new Settled(kept.traceId, data, kept.truncated));
    return true;
  }

  private static boolean localRootsEnded(List<ReadableSpan> spans) {
    for (ReadableSpan s : spans) {
      SpanContext parent = s.getParentSpanContext();
      if ((!parent.isValid() || parent.isRemote()) && !s.hasEnded()) {
        return false;
      }
    }
    return true;
  }

  /** Traces kept that have not settled yet (one pass over the ring, plus those held). */
  public int unsettled() {
    int n = held.get();
    for (int i = 0; i < capacity; i++) {
      Kept kept = ring.get(i);
      if (kept != null && !kept.isDone()) {
        n++;
      }
    }
    return n;
  }

  /** Traces evicted by newer ones before they settled, so never judged. */
  public long evictedUnsettled() {
    return evictedUnsettled.sum();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
