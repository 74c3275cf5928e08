package dev.tracegate;

import sun.misc.Signal;

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

  /** {@code action} runs on the JVM's signal thread: it should only hand the work on. */
  static void onReload(Runnable action) {
    Signal.handle(new Signal("HUP"), s -> action.run());
  }
}
