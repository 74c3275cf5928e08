package dev.tracegate.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.config.LogFormat;
import io.opentelemetry.api.trace.SpanContext;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What the access log counts as written is what reached its output, not what was buffered. */
class AccessWriterTest {
  private static AccessRecord record(int i) {
    return new AccessRecord(
        0,
        SpanContext.getInvalid(),
        "r" + i,
        "fast",
        "GET",
        "/x",
        null,
        200,
        null,
        1_000,
        false,
        null,
        null,
        0,
        0,
        null,
        null,
        0,
        0,
        0,
        0);
  }

  /** An output that takes every write and fails every flush, as a buffered file on a full disk. */
  private static final class FlushFails extends OutputStream {
    final CountDownLatch firstWrite = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {
      firstWrite.countDown();
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void flush() throws IOException {
      throw new IOException("No space left on device");
    }
  }

  @Test
  void batchesWrittenWithoutAFlushAreLostWithTheFlushThatFails() throws Exception {
    FlushFails out = new FlushFails();
    AccessWriter writer = new AccessWriter(out, "test", new RecordFormat(LogFormat.TEXT), r -> {});
    writer.offer(record(0));
    assertThat(out.firstWrite.await(5, TimeUnit.SECONDS)).isTrue();
    // while the first write hangs, more than a batch queues up: the next batch goes out without a
    // flush (more wait behind it), the one after with the flush that fails
    for (int i = 1; i <= 600; i++) {
      writer.offer(record(i));
    }
    out.release.countDown();

    Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> writer.droppedWriteFailed() == 601);
    assertThat(writer.written()).isZero();
    writer.close(1_000);
  }
}
