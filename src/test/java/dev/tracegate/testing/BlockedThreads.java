package dev.tracegate.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Vert.x's blocked-thread checker at a strict threshold, with its reports collected: every gateway
 * a test starts runs with these settings, and closing it fails the test if any event-loop task ran
 * longer than {@link #MAX_TASK_MS} in the meantime (a blocking call, or work that belongs
 * elsewhere).
 */
public final class BlockedThreads {
  /**
   * Vert.x's default is 2 s; one task of a request is normally well under a millisecond. 100 ms
   * proved too tight for a 2-core CI machine restarting PostgreSQL next to the tests (one task
   * starved for 109 ms), so the limit leaves room for that and still catches any real blocking
   * call.
   */
  public static final long MAX_TASK_MS = 500;

  /** The logger Vert.x reports blocked threads to (BlockedThreadChecker.LOGGER_NAME). */
  private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  private static final List<String> REPORTS = new ArrayList<>();

  static {
    Logger checker = (Logger) LoggerFactory.getLogger(CHECKER);
    AppenderBase<ILoggingEvent> collect =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            IThrowableProxy thrown = event.getThrowableProxy();
            synchronized (REPORTS) {
              REPORTS.add(
                  event.getFormattedMessage()
                      + (thrown == null
                          ? ""
                          : " at "
                              + List.of(thrown.getStackTraceElementProxyArray()).stream()
                                  .map(StackTraceElementProxy::getSTEAsString)
                                  .toList()));
            }
          }
        };
    collect.setContext(checker.getLoggerContext());
    collect.start();
    checker.addAppender(collect);
  }

  private BlockedThreads() {}

  /** Vert.x settings that check event loops every 20 ms against {@link #MAX_TASK_MS}. */
  public static VertxOptions strict() {
    return new VertxOptions()
        .setMaxEventLoopExecuteTime(MAX_TASK_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(MAX_TASK_MS)
        .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(20)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
  }

  /** How many reports there have been so far; pass it to {@link #since} later. */
  public static int mark() {
    synchronized (REPORTS) {
      return REPORTS.size();
    }
  }

  /**
   * Where a report's thread stood inside the transport's own system call: the kernel, not a task of
   * tracegate's, held it (seen once in ten suite runs: 509 ms in {@code io_uring_enter} on a busy
   * 2-core machine). A blocking call or slow work in a task shows that task's frames instead.
   */
  private static final java.util.regex.Pattern IN_THE_KERNEL =
      java.util.regex.Pattern.compile(
          " at \\[at [^ ,]*io\\.netty\\.channel\\.(uring\\.Native\\.ioUringEnter|epoll\\.Native\\.epollWait)");

  /**
   * The reports made after {@code mark}, but for those whose thread was in the transport's own
   * system call when reported (written to standard error, so they stay visible).
   */
  public static List<String> since(int mark) {
    List<String> reports;
    synchronized (REPORTS) {
      reports = List.copyOf(REPORTS.subList(mark, REPORTS.size()));
    }
    List<String> inTasks = new ArrayList<>();
    for (String r : reports) {
      if (IN_THE_KERNEL.matcher(r).find()) {
        System.err.println(
            "blocked-thread report in the transport's system call, not counted: " + r);
      } else {
        inTasks.add(r);
      }
    }
    return inTasks;
  }
}
