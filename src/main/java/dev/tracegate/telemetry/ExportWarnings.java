package dev.tracegate.telemetry;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export-failure warning of a whole process: one line a minute at most, however many SDKs it
 * runs (the demo runs nine: the gateway and each in-process service), naming the service whose
 * export failed and the spans lost so far by all of them together, every failed batch counted
 * whether its line was written or not.
 */
final class ExportWarnings {
  private static final Logger LOG = LoggerFactory.getLogger(CountingExporter.class);
  private static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** Shared by every exporter of the process. */
  static final ExportWarnings PROCESS = new ExportWarnings();

  private final LongAdder lost = new LongAdder();
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

  /** {@code count} spans of {@code service} were lost exporting to {@code target}. */
  void failed(String service, String target, int count, String reason) {
    lost.add(count);
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last >= INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      LOG.warn(
          "telemetry: exporting spans of service '"
              + service
              + "' to "
              + target
              + " failed ("
              + count
              + " spans lost"
              + reason
              + "); "
              + lost.sum()
              + " spans lost so far by this process; requests are unaffected. Next report in a"
              + " minute at most.");
    }
  }

  /** Spans lost to failed exports so far, by every exporter sharing this. */
  long lost() {
    return lost.sum();
  }
}
