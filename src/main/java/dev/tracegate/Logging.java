package dev.tracegate;

/** One-line log records through java.util.logging, for Vert.x, the OTel SDK and tracegate alike. */
final class Logging {
  private Logging() {}

  static void configure() {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
  }
}
