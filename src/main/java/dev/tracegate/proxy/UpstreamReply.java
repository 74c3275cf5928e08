package dev.tracegate.proxy;

import dev.tracegate.route.GatewayError;
import dev.tracegate.route.Outcome;
import dev.tracegate.telemetry.Spans;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.http.HttpClientResponse;

/**
 * An upstream's answer whose head has arrived. Its CLIENT span stays open until the body has been
 * relayed or consumed; whoever reads the body calls {@link #end} exactly once.
 */
public final class UpstreamReply {
  private final HttpClientResponse response;
  private final Span span;
  private final Outcome outcome;
  private final long startNanos;
  private boolean ended;

  UpstreamReply(HttpClientResponse response, Span span, Outcome outcome, long startNanos) {
    this.response = response;
    this.span = span;
    this.outcome = outcome;
    this.startNanos = startNanos;
  }

  /** Whether {@link #end} has run: the exchange with the upstream is over. */
  boolean ended() {
    return ended;
  }

  public HttpClientResponse response() {
    return response;
  }

  /**
   * Ends the attempt's span; a non-null {@code failure} (body cut off, client gone) marks it ERROR.
   */
  public void end(Throwable failure) {
    if (ended) {
      return;
    }
    ended = true;
    if (failure != null) {
      GatewayError e =
          failure instanceof GatewayError
              ? (GatewayError) failure
              : UpstreamFailures.classify(failure, "");
      Spans.fail(
          span, e.errorType(), "answer body not completed: " + failure.getMessage(), failure);
    }
    span.end();
    outcome.upstreamTime(System.nanoTime() - startNanos);
  }
}
