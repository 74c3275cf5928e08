package dev.tracegate.compose;

import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.telemetry.Attr;
import dev.tracegate.telemetry.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One compose request in flight, confined to its event loop: starts each step once its dependencies
 * are done, collects answers, and settles once. A failing required step or the compose timeout
 * settles it with an error; the gateway then abandons the exchange, which cancels the steps still
 * running (their spans end as they unwind).
 */
final class Fanout {
  private final Exchange ex;
  private final List<Step> steps;
  private final Tracer tracer;
  private final long timeoutMs;
  private final Promise<JsonObject> answer = Promise.promise();
  private final Map<String, Object> results = new HashMap<>();
  private final Map<String, GatewayError> failures = new HashMap<>();
  private final Set<String> started = new HashSet<>();
  private long timer = -1;

  Fanout(Exchange ex, List<Step> steps, Tracer tracer, long timeoutMs) {
    this.ex = ex;
    this.steps = steps;
    this.tracer = tracer;
    this.timeoutMs = timeoutMs;
  }

  Future<JsonObject> run() {
    timer = ex.vertx().setTimer(timeoutMs, id -> settle(ComposeTarget.timedOut(timeoutMs)));
    startReady();
    return answer.future();
  }

  private void startReady() {
    for (Step step : steps) {
      if (answer.future().isComplete()) {
        return;
      }
      if (started.contains(step.name()) || !done(step.after())) {
        continue;
      }
      started.add(step.name());
      String failedDependency =
          step.after().stream().filter(failures::containsKey).findFirst().orElse(null);
      if (failedDependency != null) {
        finished(
            step,
            null,
            new GatewayError(
                ErrorKey.UPSTREAM_UNAVAILABLE,
                "skipped: step '" + failedDependency + "' failed",
                "dependency_failed",
                null));
      } else {
        start(step);
      }
    }
    if (!answer.future().isComplete()
        && started.size() == steps.size()
        && results.size() + failures.size() == steps.size()) {
      settle(null);
    }
  }

  private boolean done(List<String> names) {
    for (String n : names) {
      if (!results.containsKey(n) && !failures.containsKey(n)) {
        return false;
      }
    }
    return true;
  }

  private void start(Step step) {
    Span span =
        tracer
            .spanBuilder(step.spanName)
            .setParent(ex.context())
            .setSpanKind(SpanKind.INTERNAL)
            .setAttribute(Attr.STEP, step.name())
            .startSpan();
    Future<Object> outcome;
    try {
      outcome = step.run(ex, ex.context().with(span), results::get);
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    outcome.onComplete(
        ar -> {
          if (ar.failed()) {
            GatewayError e = GatewayError.of(ar.cause(), ErrorKey.UPSTREAM_UNAVAILABLE);
            Spans.fail(span, e.errorType(), e.getMessage(), e.getCause());
            span.end();
            finished(step, null, e);
          } else {
            span.end();
            finished(step, ar.result(), null);
          }
        });
  }

  private void finished(Step step, Object result, GatewayError failure) {
    if (failure == null) {
      results.put(step.name(), result);
    } else {
      failures.put(step.name(), failure);
      if (step.config.required()) {
        settle(ComposeTarget.stepFailed(step.name(), failure));
        return;
      }
    }
    startReady();
  }

  private void settle(GatewayError error) {
    if (answer.future().isComplete()) {
      return;
    }
    ex.vertx().cancelTimer(timer);
    if (error != null) {
      answer.fail(error);
      return;
    }
    JsonObject out = new JsonObject();
    JsonObject errors = new JsonObject();
    for (Step step : steps) {
      out.put(step.name(), results.get(step.name()));
      GatewayError e = failures.get(step.name());
      if (e != null) {
        errors.put(
            step.name(),
            new JsonObject().put("error", e.key().key()).put("message", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      out.put("errors", errors);
    }
    answer.complete(out);
  }
}
