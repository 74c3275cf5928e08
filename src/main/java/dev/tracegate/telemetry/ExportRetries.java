package dev.tracegate.telemetry;

import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * The exporters' retry policy: the SDK's backoff for a collector that drops a connection or times
 * out, but no retry once the process is stopping, so a collector that refuses connections no longer
 * holds the exit through backoffs (five attempts over about eight seconds); and whether the
 * collector was last seen refusing, so the shutdown need not wait the export timeout for it.
 */
final class ExportRetries {
  private volatile boolean stopping;
  private volatile boolean refusing;

  RetryPolicy policy() {
    return RetryPolicy.getDefault().toBuilder().setRetryExceptionPredicate(this::retry).build();
  }

  private boolean retry(IOException e) {
    refusing = e instanceof ConnectException;
    return !stopping && (e instanceof SocketException || e instanceof SocketTimeoutException);
  }

  /** From now on a failed export is not tried again. */
  void stop() {
    stopping = true;
  }

  /** An export went through: the collector listens. */
  void succeeded() {
    refusing = false;
  }

  /** The last attempt found no collector listening. */
  boolean refusing() {
    return refusing;
  }
}
