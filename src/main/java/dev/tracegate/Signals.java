package dev.tracegate;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT trigger a graceful stop instead of the JVM's abrupt exit (status 143), so a
 * drained, flushed shutdown can end with exit code 0; SIGHUP, which would also end the JVM, reloads
 * the configuration as it does for nginx.
 */
final class Signals {
  private Signals() {}

  static void onTermination(Runnable action) {
    Signal.handle(new Signal("TERM"), s -> action.run());
    Signal.handle(new Signal("INT"), s -> action.run());
  }

  /**
   * {@code action} runs on the JVM's signal thread: it should only hand the work on. Returns false
   * when SIGHUP was ignored when the process started ({@code nohup}, or a parent that ignores it):
   * the JVM then leaves it ignored, and no reload by signal is possible.
   */
  static boolean onReload(Runnable action) {
    return Signal.handle(new Signal("HUP"), s -> action.run()) != SignalHandler.SIG_IGN;
  }
}
