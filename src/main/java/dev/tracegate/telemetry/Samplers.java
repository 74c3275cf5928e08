package dev.tracegate.telemetry;

import io.opentelemetry.sdk.trace.samplers.Sampler;

/** The OpenTelemetry sampler names ({@code OTEL_TRACES_SAMPLER}) mapped to SDK samplers. */
final class Samplers {
  private Samplers() {}

  static Sampler of(String name, double arg) {
    switch (name) {
      case "always_on": return Sampler.alwaysOn();
      case "always_off": return Sampler.alwaysOff();
      case "traceidratio": return Sampler.traceIdRatioBased(arg);
      case "parentbased_always_off": return Sampler.parentBased(Sampler.alwaysOff());
      case "parentbased_traceidratio": return Sampler.parentBased(Sampler.traceIdRatioBased(arg));
      default: return Sampler.parentBased(Sampler.alwaysOn());
    }
  }
}
