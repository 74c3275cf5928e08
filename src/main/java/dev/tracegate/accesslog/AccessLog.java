package dev.tracegate.accesslog;

import dev.tracegate.config.AccessLogConfig;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.Outcome;
import dev.tracegate.route.RequestObserver;
import dev.tracegate.telemetry.Redaction;
import io.opentelemetry.api.logs.Logger;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code accessLog}: a {@link RequestObserver} that turns every finished request into an {@link
 * AccessRecord} (successful ones sampled by {@code accessLog.sample}, failed ones always) and hands
 * it to the {@link AccessWriter}. On the event loop it only copies fields and offers to a queue;
 * formatting, writing and the optional OTLP export happen on the writer's thread.
 */
public final class AccessLog implements RequestObserver {
  private final AccessLogConfig config;
  private final Set<String> redactQueryKeys;
  private final AccessWriter writer;
  private final boolean exporting;

  private AccessLog(
      AccessLogConfig config, AccessWriter writer, Set<String> redactQueryKeys, boolean exporting) {
    this.config = config;
    this.exporting = exporting;
    this.writer = writer;
    this.redactQueryKeys = redactQueryKeys;
  }

  /**
   * Opens the output (standard output, or the file appended to) and starts the writer; with {@code
   * otlp} non-null every written record is also emitted as an OTLP log record. {@code exporting}:
   * whether sampled traces leave for a collector at all, which a record's {@code sampled} says.
   */
  public static AccessLog open(
      AccessLogConfig config, Logger otlp, Set<String> redactQueryKeys, boolean exporting)
      throws IOException {
    OutputStream out =
        config.file().isPresent()
            ? new BufferedOutputStream(
                new FileOutputStream(config.file().get().toFile(), true), 64 * 1024)
            : System.out;
    String target = config.file().map(Object::toString).orElse("standard output");
    OtlpAccessLogs logs = otlp == null ? null : new OtlpAccessLogs(otlp);
    return new AccessLog(
        config,
        new AccessWriter(
            out, target, new RecordFormat(config.format()), logs == null ? r -> {} : logs::emit),
        redactQueryKeys,
        exporting);
  }

  @Override
  public void completed(Exchange ex, Outcome outcome) {
    AccessRecord record = record(ex, outcome);
    if (config.sample() < 1.0
        && !record.failed()
        && ThreadLocalRandom.current().nextDouble() >= config.sample()) {
      return;
    }
    writer.offer(record);
  }

  private AccessRecord record(Exchange ex, Outcome o) {
    HttpServerRequest req = ex.request();
    String query = config.query() ? Redaction.query(req.query(), redactQueryKeys) : null;
    return new AccessRecord(
        System.currentTimeMillis() - o.durationNanos() / 1_000_000,
        ex.span().getSpanContext(),
        o.requestId(),
        ex.route() == null ? null : ex.route().name(),
        req.method() == null ? "HTTP" : req.method().name(),
        req.path() == null ? "" : req.path(),
        query == null || query.isEmpty() ? null : query,
        o.status(),
        o.error() == null ? null : o.error().key(),
        o.durationNanos(),
        exporting && ex.span().getSpanContext().isSampled(),
        ex.clientAddress(),
        req.getHeader(HttpHeaders.USER_AGENT),
        o.bytesIn(),
        o.bytesOut(),
        o.upstreams(),
        o.upstreamAddress(),
        o.upstreamAttempts(),
        o.upstreamNanos(),
        o.dbNanos(),
        o.busNanos());
  }

  /** Records written to the output. */
  public long written() {
    return writer.written();
  }

  /** Records dropped because the queue was full (the output is slower than the traffic). */
  public long droppedQueueFull() {
    return writer.droppedQueueFull();
  }

  /** Records lost in a failed write (full disk, closed pipe). */
  public long droppedWriteFailed() {
    return writer.droppedWriteFailed();
  }

  /** Writes what is queued (at most two seconds) and closes a file output. */
  public void close() {
    writer.close(2000);
  }
}
