package dev.tracegate;

import dev.tracegate.telemetry.Telemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.resources.Resource;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** {@code tracegate --version}: tracegate's and its runtime's versions, one per line. */
final class Versions implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "tracegate " + Telemetry.version(),
      "Vert.x " + vertx(),
      "OpenTelemetry SDK "
          + Resource.getDefault().getAttribute(AttributeKey.stringKey("telemetry.sdk.version")),
      "Java "
          + System.getProperty("java.version")
          + " ("
          + System.getProperty("java.vm.name")
          + ", "
          + System.getProperty("java.vendor")
          + ")"
    };
  }

  /** Vert.x keeps its version in a resource of vertx-core, which survives the fat jar's merge. */
  static String vertx() {
    try (InputStream in =
        Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
