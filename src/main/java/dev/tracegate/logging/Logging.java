package dev.tracegate.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.tracegate.config.LogFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sets up Logback for the process: records at INFO and above, one line each, to standard error
 * through a bounded asynchronous appender that never blocks the thread that logs (an event loop
 * must not wait on a slow terminal or pipe; when its queue is full, records are dropped). Standard
 * output is left to the access log. java.util.logging (the OTel SDK's choice) is bridged in.
 *
 * <p>A Logback configuration file of the user's own ({@code -Dlogback.configurationFile=...}) wins:
 * then tracegate changes nothing.
 */
public final class Logging {
  /** {@code logging.format}. */

  /**
   * The SDK's exporter logs every failed batch with a stack trace; tracegate's own exporter wrapper
   * reports failures at most once a minute instead. The propagators log what a client sent wrong,
   * the baggage parser a stack trace per invalid member (a 6.5 KB header made 5 MB of log): a
   * client must not decide how much the gateway logs, so tracegate counts invalid trace headers
   * itself and summarises them once a minute ({@code InvalidTraceHeaders}).
   */
  private static final List<String> QUIETED =
      List.of(
          "io.opentelemetry.exporter.otlp.internal.HttpExporter",
          "io.opentelemetry.exporter.internal.http.HttpExporter",
          "io.opentelemetry.exporter.otlp.internal.GrpcExporter",
          "io.opentelemetry.exporter.internal.grpc.GrpcExporter",
          "io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor",
          "io.opentelemetry.api.baggage.propagation",
          "io.opentelemetry.api.trace.propagation",
          "io.opentelemetry.extension.trace.propagation");

  private static final int QUEUE = 8192;

  private Logging() {}

  /** True when the user brought a Logback configuration of their own. */
  static boolean userConfigured() {
    return System.getProperty("logback.configurationFile") != null;
  }

  /** (Re)configures the process's logging in {@code format}; idempotent. */
  public static synchronized void configure(LogFormat format) {
    System.setProperty(
        "vertx.logger-delegate-factory-class-name",
        "io.vertx.core.logging.SLF4JLogDelegateFactory");
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext) || userConfigured()) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    install(context, format);
  }

  /**
   * The appenders and levels, on a context that has none; and java.util.logging (the OTel SDK's and
   * propagators' logger) routed through them, whichever path configured Logback first.
   */
  static void install(LoggerContext context, LogFormat format) {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    // mirror Logback's levels into java.util.logging, so disabled JUL records are never even built
    LevelChangePropagator jul = new LevelChangePropagator();
    jul.setContext(context);
    jul.setResetJUL(true);
    context.addListener(jul);

    LineLayout layout = new LineLayout(format);
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.setCharset(StandardCharsets.UTF_8);
    encoder.start();

    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stderr");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();

    AsyncAppender async = new AsyncAppender();
    async.setContext(context);
    async.setName("async");
    async.setQueueSize(QUEUE);
    async.setDiscardingThreshold(0); // keep DEBUG/INFO too until the queue is really full
    async.setNeverBlock(true);
    async.setIncludeCallerData(false);
    async.addAppender(console);
    async.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(async);
    QUIETED.forEach(name -> context.getLogger(name).setLevel(Level.OFF));
    // Hazelcast narrates every membership step at INFO; joins and departures are WARN-worthy only
    // when they fail
    context.getLogger("com.hazelcast").setLevel(Level.WARN);
  }

  /** Writes what the asynchronous appender still holds (bounded by a second); call before exit. */
  public static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
