package dev.tracegate.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-route sampling for new traces: a root span carrying {@code tracegate.route} of a route with
 * its own {@code sampling} ratio is sampled at that ratio; continued traces follow their parent;
 * everything else goes to the configured sampler.
 */
final class RouteSampler implements Sampler {
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("tracegate.route");

  private final Sampler fallback;
  private final Map<String, Sampler> byRoute;

  private RouteSampler(Sampler fallback, Map<String, Sampler> byRoute) {
    this.fallback = fallback;
    this.byRoute = byRoute;
  }

  static Sampler create(Sampler fallback, Map<String, Double> ratios) {
    if (ratios.isEmpty()) {
      return fallback;
    }
    Map<String, Sampler> byRoute = new HashMap<>();
    ratios.forEach(
        (route, ratio) ->
            byRoute.put(route, Sampler.parentBased(Sampler.traceIdRatioBased(ratio))));
    return new RouteSampler(fallback, Map.copyOf(byRoute));
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    if (!Span.fromContext(parentContext).getSpanContext().isValid()) {
      String route = attributes.get(ROUTE);
      Sampler own = route == null ? null : byRoute.get(route);
      if (own != null) {
        return own.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
      }
    }
    return fallback.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "RouteSampler{fallback="
        + fallback.getDescription()
        + ", routes="
        + byRoute.keySet()
        + "}";
  }
}
