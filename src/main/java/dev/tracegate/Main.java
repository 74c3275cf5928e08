package dev.tracegate;

import dev.tracegate.config.ConfigException;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.LogFormat;
import dev.tracegate.demo.DemoCommand;
import dev.tracegate.demo.DemoBus;
import dev.tracegate.demo.DemoService;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.tracegate.logging.Logging;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tracegate [--config FILE]}: exit 0 after a clean shutdown, 2 for bad configuration or
 * arguments (one line naming the key), 1 for any other start failure.
 */
public final class Main {
  static final String DEFAULT_CONFIG = "conf/tracegate.yaml";
  static final int EXIT_OK = 0;
  static final int EXIT_START_FAILED = 1;
  static final int EXIT_BAD_CONFIG = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    Logging.configure(LogFormat.TEXT);
    useNettyPooledAllocator();
    int code;
    try {
      code = run(args);
    } catch (ConfigException e) {
      System.err.println("tracegate: configuration error: " + e.getMessage());
      code = EXIT_BAD_CONFIG;
    } catch (UsageException e) {
      System.err.println("tracegate: " + e.getMessage());
      code = EXIT_BAD_CONFIG;
    } catch (RuntimeException e) {
      // exit even though Vert.x threads may be alive
      LOG.error("tracegate failed: " + e, e);
      code = EXIT_START_FAILED;
    }
    Logging.flush();
    System.exit(code);
  }

  static final String USAGE = "usage: tracegate [--config FILE] | tracegate demo [--config FILE]"
      + " | tracegate demo-service NAME --port N [--database URL] [--gateway URL]"
      + " | tracegate demo-service pricing|inventory --cluster [--database URL]";

  /**
   * Netty's pooled allocator, with its per-thread caches, instead of the adaptive one Netty 4.2
   * made the default: 1-7 % more proxied requests/s in interleaved runs here, same resident memory
   * (BENCHMARKS.md). Must run before any Netty buffer class loads; an explicit
   * {@code -Dio.netty.allocator.type} wins.
   */
  private static void useNettyPooledAllocator() {
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
  }

  static int run(String[] args) {
    if (args.length > 0 && args[0].equals("demo")) {
      return demo(configPath(args, 1, DemoCommand.DEMO_CONFIG));
    }
    if (args.length > 0 && args[0].equals("demo-service")) {
      return demoService(args);
    }
    if (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help"))) {
      System.out.println(USAGE);
      return EXIT_OK;
    }
    GatewayConfig cfg = new ConfigLoader(System.getenv()).load(configPath(args, 0, DEFAULT_CONFIG));
    Logging.configure(cfg.logFormat());
    return serve(cfg);
  }

  private static Path configPath(String[] args, int from, String fallback) {
    Path config = Path.of(fallback);
    for (int i = from; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        config = Path.of(args[++i]);
      } else {
        throw new UsageException("unknown argument '" + args[i] + "' (" + USAGE + ")");
      }
    }
    return config;
  }

  private static int demo(Path config) {
    GatewayConfig cfg = DemoCommand.config(config, System.getenv());
    Logging.configure(cfg.logFormat());
    DemoCommand demo;
    try {
      demo = DemoCommand.start(cfg);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("tracegate demo failed to start: " + cause.getMessage());
      return EXIT_START_FAILED;
    }
    awaitSignalThenStop(() -> java.util.concurrent.CompletableFuture.runAsync(demo::stop), 60_000);
    return EXIT_OK;
  }

  private static int demoService(String[] args) {
    if (args.length < 2 || args[1].startsWith("-")) {
      throw new UsageException("demo-service needs a NAME (" + USAGE + ")");
    }
    String name = args[1];
    int port = -1;
    boolean cluster = false;
    String database = System.getenv("TRACEGATE_DATABASE_URL");
    String gateway = "http://127.0.0.1:8080";
    for (int i = 2; i < args.length; i++) {
      if (args[i].equals("--cluster")) {
        cluster = true;
      } else if (args[i].equals("--port") && i + 1 < args.length) {
        try {
          port = Integer.parseInt(args[++i]);
        } catch (NumberFormatException e) {
          throw new UsageException("--port: '" + args[i] + "' is not a port number");
        }
      } else if (args[i].equals("--database") && i + 1 < args.length) {
        database = args[++i];
      } else if (args[i].equals("--gateway") && i + 1 < args.length) {
        gateway = args[++i];
      } else {
        throw new UsageException("unknown argument '" + args[i] + "' (" + USAGE + ")");
      }
    }
    GatewayConfig defaults = new ConfigLoader(System.getenv()).parse("", "defaults");
    if (DemoBus.SERVICES.contains(name)) {
      return busService(name, cluster, database, defaults);
    }
    if (cluster) {
      throw new UsageException("--cluster is for the event-bus services " + DemoBus.SERVICES);
    }
    if (port < 0 || port > 65535) {
      throw new UsageException("demo-service needs --port N");
    }
    DemoService service;
    try {
      service = DemoService.start(name, port, database, gateway, defaults.telemetry(), List.of())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("demo service failed to start: " + cause.getMessage());
      return EXIT_START_FAILED;
    }
    awaitSignalThenStop(() -> java.util.concurrent.CompletableFuture.runAsync(service::stop), 30_000);
    return EXIT_OK;
  }

  /** {@code demo-service pricing --cluster}: an event-bus service in its own process, a member of the gateway's cluster. */
  private static int busService(String name, boolean cluster, String database, GatewayConfig defaults) {
    if (!cluster) {
      throw new UsageException("demo-service " + name + " consumes the event bus of a cluster: add --cluster");
    }
    if (database == null) {
      throw new UsageException("demo-service " + name + " needs --database URL (or TRACEGATE_DATABASE_URL)");
    }
    DemoBus.Member member;
    try {
      member = DemoBus.join(name, database, defaults.telemetry(),
          new GatewayConfig.EventBus(true, defaults.eventBus().host(), defaults.eventBus().members()))
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("demo service failed to join the cluster: " + cause.getMessage());
      return EXIT_START_FAILED;
    }
    awaitSignalThenStop(() -> java.util.concurrent.CompletableFuture.runAsync(member::stop), 30_000);
    return EXIT_OK;
  }

  /** Starts the gateway, then blocks until SIGTERM or SIGINT has drained and flushed it. */
  static int serve(GatewayConfig cfg) {
    Gateway gateway;
    try {
      gateway = Gateway.start(cfg, List.of()).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("tracegate failed to start: " + cause);
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
      LOG.info("tracegate: shutting down (draining, then flushing spans)");
      stop.get().get(maxWaitMs, TimeUnit.MILLISECONDS);
      LOG.info("tracegate: stopped cleanly");
    } catch (Exception e) {
      LOG.warn("tracegate: shutdown incomplete: " + e);
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
