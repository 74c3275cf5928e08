package dev.tracegate.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * What the process logs while open: every event reaching the root logger, or one logger's events at
 * a level of the test's choosing, as they arrive.
 */
public final class LogLines implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final boolean own;

  public LogLines() {
    this.logger = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    this.own = false;
    attach();
  }

  /**
   * Only {@code name}'s events, from {@code level} up, kept from the console while open (the
   * logger's level and additivity are restored on close).
   */
  public LogLines(String name, Level level) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    this.own = true;
    logger.setLevel(level);
    logger.setAdditive(false);
    attach();
  }

  private void attach() {
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** The events so far. */
  public List<ILoggingEvent> events() {
    synchronized (appender) { // AppenderBase appends under this lock
      return List.copyOf(appender.list);
    }
  }

  /** "LOGGER: message" of each ERROR so far. */
  public List<String> errors() {
    return events().stream()
        .filter(e -> e.getLevel() == Level.ERROR)
        .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage())
        .collect(Collectors.toList());
  }

  /** Forgets the events so far. */
  public void clear() {
    synchronized (appender) {
      appender.list.clear();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    if (own) {
      logger.setLevel(null);
      logger.setAdditive(true);
    }
  }
}
