package dev.tracegate.telemetry;

import dev.tracegate.config.TelemetryConfig.SamplerName;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * The OpenTelemetry sampler names ({@code OTEL_TRACES_SAMPLER}) mapped to SDK samplers, every one.
 */
final class Samplers {
  private Samplers() {}

  static Sampler of(SamplerName name, double arg) {
    return switch (name) {
      case ALWAYS_ON -> Sampler.alwaysOn();
      case ALWAYS_OFF -> Sampler.alwaysOff();
      case TRACEIDRATIO -> Sampler.traceIdRatioBased(arg);
      case PARENTBASED_ALWAYS_ON -> Sampler.parentBased(Sampler.alwaysOn());
      case PARENTBASED_ALWAYS_OFF -> Sampler.parentBased(Sampler.alwaysOff());
      case PARENTBASED_TRACEIDRATIO -> Sampler.parentBased(Sampler.traceIdRatioBased(arg));
    };
  }
}
