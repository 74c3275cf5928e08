package dev.tracegate.accesslog;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that formats and writes access records. Event loops only {@link #offer} into a
 * bounded queue; when it is full (the output is slower than the traffic) the record is dropped and
 * counted. The writer polls the queue every {@value #IDLE_MS} ms rather than waiting on it, so an
 * offer never has a sleeping thread to wake (a futex call and a context switch per request,
 * measured at half the gateway's throughput on two cores). Records are written in batches and
 * flushed whenever the queue runs empty, so a line appears within {@value #IDLE_MS} ms. A record
 * counts as written once a flush has taken it; a failing write or flush (full disk, closed pipe)
 * loses what it held, counted, and is reported at most once a minute.
 */
final class AccessWriter {
  private static final Logger LOG = LoggerFactory.getLogger(AccessWriter.class);
  static final int QUEUE = 16_384;
  private static final int BATCH = 512;
  static final long IDLE_MS = 20;
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_MS);
  private static final long REPORT_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ArrayBlockingQueue<AccessRecord> queue = new ArrayBlockingQueue<>(QUEUE);
  private final OutputStream out;
  private final String target;
  private final RecordFormat format;
  private final Consumer<AccessRecord> alsoTo;
  private final Thread thread;
  private final CharsetEncoder utf8 =
      StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer bytes = ByteBuffer.allocate(256 * 1024);
  private final LongAdder written = new LongAdder();
  private final LongAdder queueFull = new LongAdder();
  private final LongAdder writeFailed = new LongAdder();
  private volatile boolean closing;
  private long lastReportNanos = System.nanoTime() - REPORT_EVERY_NANOS;

  /**
   * Records handed to the stream since its last flush: written only once a flush succeeds, lost
   * with it when it fails (a buffered stream takes them without touching the disk).
   */
  private int unflushed;

  /** {@code alsoTo} sees every record written (the OTLP log export), on the writer thread. */
  AccessWriter(
      OutputStream out, String target, RecordFormat format, Consumer<AccessRecord> alsoTo) {
    this.out = out;
    this.target = target;
    this.format = format;
    this.alsoTo = alsoTo;
    this.thread = new Thread(this::run, "tracegate-access-log");
    thread.setDaemon(true);
    thread.start();
  }

  /** Never blocks: a record that finds the queue full is counted as dropped. */
  void offer(AccessRecord record) {
    if (!queue.offer(record)) {
      queueFull.increment();
    }
  }

  long written() {
    return written.sum();
  }

  long droppedQueueFull() {
    return queueFull.sum();
  }

  long droppedWriteFailed() {
    return writeFailed.sum();
  }

  private void run() {
    List<AccessRecord> batch = new ArrayList<>(BATCH);
    StringBuilder text = new StringBuilder(BATCH * 400);
    while (!closing || !queue.isEmpty()) {
      try {
        if (queue.drainTo(batch, BATCH) == 0) {
          LockSupport.parkNanos(IDLE_NANOS);
          continue;
        }
        write(batch, text, queue.isEmpty());
      } catch (RuntimeException e) {
        failed(batch.size(), e);
      } finally {
        batch.clear();
        text.setLength(0);
      }
    }
  }

  private void write(List<AccessRecord> batch, StringBuilder text, boolean flush) {
    for (AccessRecord r : batch) {
      format.append(text, r);
    }
    try {
      // encoded straight into a reused buffer: no String and byte[] copy of each batch; three
      // bytes per char is UTF-8's most for a char (a surrogate pair takes four for two)
      if (bytes.capacity() < text.length() * 3) {
        bytes = ByteBuffer.allocate(text.length() * 3);
      }
      bytes.clear();
      utf8.reset().encode(CharBuffer.wrap(text), bytes, true);
      utf8.flush(bytes);
      out.write(bytes.array(), 0, bytes.position());
      if (flush) {
        out.flush();
      }
      if (out instanceof PrintStream ps && ps.checkError()) {
        throw new IOException("standard output is closed or failing");
      }
    } catch (IOException e) {
      failed(unflushed + batch.size(), e);
      unflushed = 0;
      return;
    }
    unflushed += batch.size();
    if (flush) {
      written.add(unflushed);
      unflushed = 0;
    }
    for (AccessRecord r : batch) {
      alsoTo.accept(r);
    }
  }

  private void failed(int records, Exception e) {
    writeFailed.add(records);
    long now = System.nanoTime();
    if (now - lastReportNanos >= REPORT_EVERY_NANOS) {
      lastReportNanos = now;
      LOG.warn(
          "access log: writing to {} failed ({} records lost so far: {}); requests are unaffected",
          target,
          writeFailed.sum(),
          e.toString());
    }
  }

  /** Writes what is queued, waiting at most {@code waitMs} (a stuck output cannot hold up exit). */
  void close(long waitMs) {
    closing = true;
    try {
      thread.join(waitMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      return; // stuck in a write: flushing from here would wait on the same stream
    }
    try {
      out.flush();
      written.add(unflushed);
      if (!(out instanceof PrintStream)) {
        out.close();
      }
    } catch (IOException e) {
      writeFailed.add(unflushed); // what the last batches left in the buffer
    }
    unflushed = 0;
  }
}
