package dev.tracegate;

import dev.tracegate.config.ConfigException;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code tracegate [--config FILE]}: exit 0 after a clean shutdown, 2 for bad configuration or
 * arguments (one line naming the key), 1 for any other start failure.
 */
public final class Main {
  static final String DEFAULT_CONFIG = "conf/tracegate.yaml";
  static final int EXIT_OK = 0;
  static final int EXIT_START_FAILED = 1;
  static final int EXIT_BAD_CONFIG = 2;

  private Main() {}

  public static void main(String[] args) {
    Logging.configure();
    int code;
    try {
      code = run(args);
    } catch (ConfigException e) {
      System.err.println("tracegate: configuration error: " + e.getMessage());
      code = EXIT_BAD_CONFIG;
    } catch (UsageException e) {
      System.err.println("tracegate: " + e.getMessage());
      code = EXIT_BAD_CONFIG;
    }
    System.exit(code);
  }

  static int run(String[] args) {
    Path config = Path.of(DEFAULT_CONFIG);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config":
          if (i + 1 >= args.length) {
            throw new UsageException("--config needs a file");
          }
          config = Path.of(args[++i]);
          break;
        case "-h": case "--help":
          System.out.println("usage: tracegate [--config FILE]");
          return EXIT_OK;
        default:
          throw new UsageException("unknown argument '" + args[i] + "' (usage: tracegate [--config FILE])");
      }
    }
    GatewayConfig cfg = new ConfigLoader(System.getenv()).load(config);
    return serve(cfg);
  }

  /** Starts the gateway, then blocks until SIGTERM or SIGINT has drained and flushed it. */
  static int serve(GatewayConfig cfg) {
    Gateway gateway;
    try {
      gateway = Gateway.start(cfg, List.of()).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      Logger.getLogger(Main.class.getName()).log(Level.SEVERE, "tracegate failed to start: " + cause);
      return EXIT_START_FAILED;
    }
    awaitSignalThenStop(gateway::stop, cfg.server().shutdownGrace().toMillis()
        + cfg.telemetry().batch().exportTimeout().toMillis() + 5000);
    return EXIT_OK;
  }

  static void awaitSignalThenStop(java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> stop, long maxWaitMs) {
    CountDownLatch signalled = new CountDownLatch(1);
    Signals.onTermination(signalled::countDown);
    try {
      signalled.await();
      Logger.getLogger(Main.class.getName()).info("tracegate: shutting down (draining, then flushing spans)");
      stop.get().get(maxWaitMs, TimeUnit.MILLISECONDS);
      Logger.getLogger(Main.class.getName()).info("tracegate: stopped cleanly");
    } catch (Exception e) {
      Logger.getLogger(Main.class.getName()).warning("tracegate: shutdown incomplete: " + e);
    }
  }

  /** A bad command line: exit 2 with one line. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
