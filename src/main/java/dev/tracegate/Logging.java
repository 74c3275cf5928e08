package dev.tracegate;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One-line log records through java.util.logging, for Vert.x, the OTel SDK and tracegate alike. */
final class Logging {
  /**
   * The SDK's exporter logs every failed batch with a stack trace; tracegate's own exporter wrapper
   * reports failures at most once a minute instead. Held here because JUL keeps loggers weakly.
   */
  private static final List<Logger> QUIETED = List.of(
      Logger.getLogger("io.opentelemetry.exporter.otlp.internal.HttpExporter"),
      Logger.getLogger("io.opentelemetry.exporter.internal.http.HttpExporter"));

  private Logging() {}

  static void configure() {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
    QUIETED.forEach(l -> l.setLevel(Level.OFF));
  }
}
