package dev.tracegate.compose;

import dev.tracegate.bus.BusCall;
import dev.tracegate.config.RouteConfig;
import dev.tracegate.proxy.Upstream;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RouteTarget;
import dev.tracegate.sql.SqlRunner;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A compose route: named steps, each a proxy or SQL call, started as soon as the steps they come
 * {@code after} have finished, so independent ones run concurrently. The answer is a JSON object
 * keyed by step name. Each step has an INTERNAL span {@code compose {step}} under the SERVER span
 * that parents its CLIENT spans. The compose {@code timeout} bounds the whole fan-out.
 */
public final class ComposeTarget implements RouteTarget {
  private final RouteConfig.Compose config;
  private final List<Step> steps;
  private final Tracer tracer;

  public ComposeTarget(
      String routeName,
      RouteConfig.Compose config,
      Map<String, Upstream> upstreams,
      SqlRunner sql,
      EventBus bus,
      Tracer tracer,
      TextMapPropagator propagator,
      boolean baggagePropagated) {
    this.config = config;
    this.tracer = tracer;
    List<Step> list = new ArrayList<>();
    for (RouteConfig.Step s : config.steps().values()) {
      Upstream upstream =
          s.call() instanceof RouteConfig.Proxy p ? upstreams.get(p.upstream()) : null;
      BusCall busCall =
          s.call() instanceof RouteConfig.Bus b ? new BusCall(bus, tracer, propagator, b) : null;
      list.add(
          new Step(
              s,
              upstream,
              sql,
              busCall,
              tracer,
              propagator,
              baggagePropagated,
              routeName,
              config.maxStepBytes()));
    }
    this.steps = List.copyOf(list);
  }

  @Override
  public boolean needsBody() {
    return steps.stream().anyMatch(Step::readsBody);
  }

  @Override
  public Future<Void> serve(Exchange ex) {
    return new Fanout(ex, steps, tracer, config.timeout().toMillis())
        .run()
        .compose(
            json -> {
              ex.request()
                  .response()
                  .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                  .end(json.encode());
              return Future.succeededFuture();
            });
  }

  static GatewayError stepFailed(String step, GatewayError cause) {
    return new GatewayError(
        cause.key(), "step '" + step + "': " + cause.getMessage(), cause.errorType(), cause);
  }

  static GatewayError timedOut(long ms) {
    return new GatewayError(
        ErrorKey.DEADLINE_EXCEEDED, "the compose timeout of " + ms + "ms ran out", "timeout", null);
  }
}
