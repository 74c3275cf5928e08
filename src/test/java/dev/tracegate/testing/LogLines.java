package dev.tracegate.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/** What the process logs while open: every event reaching the root logger, as it arrives. */
public final class LogLines implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogLines() {
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
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

  @Override
  public void close() {
    root.detachAppender(appender);
  }
}
