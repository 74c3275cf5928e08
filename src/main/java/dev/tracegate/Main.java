package dev.tracegate;

import dev.tracegate.config.ConfigException;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.LogFormat;
import dev.tracegate.demo.DemoBus;
import dev.tracegate.demo.DemoCommand;
import dev.tracegate.demo.DemoService;
import dev.tracegate.logging.Logging;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The command line (picocli): {@code tracegate [--config FILE]} serves; {@code check} validates a
 * configuration and its {@code TRACEGATE_*} environment; {@code demo} and {@code demo-service} run
 * the demo; {@code --version} and {@code --help} (on every command). Exit 0 after a clean shutdown,
 * 2 for bad configuration or arguments (one line naming the key or argument), 1 for any other start
 * failure.
 */
@Command(
    name = "tracegate",
    mixinStandardHelpOptions = true,
    versionProvider = Versions.class,
    description =
        "A reactive API gateway that keeps one OpenTelemetry trace across every async hop.",
    subcommands = {Main.Check.class, Main.Demo.class, Main.DemoServiceCommand.class})
public final class Main implements Callable<Integer> {
  static final String DEFAULT_CONFIG = "conf/tracegate.yaml";
  static final int EXIT_OK = 0;
  static final int EXIT_START_FAILED = 1;
  static final int EXIT_BAD_CONFIG = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "the configuration (default: ${DEFAULT-VALUE})")
  Path config = Path.of(DEFAULT_CONFIG);

  public static void main(String[] args) {
    Logging.configure(LogFormat.TEXT);
    useNettyPooledAllocator();
    int code = run(args);
    Logging.flush();
    System.exit(code);
  }

  /** Parses {@code args} and runs the command; returns the exit code. */
  static int run(String[] args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler(
        (e, given) -> {
          System.err.println(
              "tracegate: "
                  + e.getMessage()
                  + " (see tracegate "
                  + (e.getCommandLine().getParent() == null
                      ? ""
                      : e.getCommandLine().getCommandName() + " ")
                  + "--help)");
          return EXIT_BAD_CONFIG;
        });
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof ConfigException) {
            System.err.println("tracegate: configuration error: " + e.getMessage());
            return EXIT_BAD_CONFIG;
          }
          if (e instanceof UsageException) {
            System.err.println("tracegate: " + e.getMessage());
            return EXIT_BAD_CONFIG;
          }
          // exit even though Vert.x threads may be alive
          LOG.error("tracegate failed: " + e, e);
          return EXIT_START_FAILED;
        });
    return cli.execute(args);
  }

  /**
   * Netty's pooled allocator, with its per-thread caches, instead of the adaptive one Netty 4.2
   * made the default: 1-7 % more proxied requests/s in interleaved runs here, same resident memory
   * (BENCHMARKS.md). Must run before any Netty buffer class loads; an explicit {@code
   * -Dio.netty.allocator.type} wins.
   */
  private static void useNettyPooledAllocator() {
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
  }

  /** {@code tracegate [--config FILE]}: serve until SIGTERM or SIGINT. */
  @Override
  public Integer call() {
    GatewayConfig cfg = new ConfigLoader(System.getenv()).load(config);
    Logging.configure(cfg.logFormat());
    return serve(cfg, config);
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      versionProvider = Versions.class,
      description = {
        "Validates a configuration file together with the TRACEGATE_* and OTEL_* environment, "
            + "as the gateway would at start, and exits: 0 and one line when it is valid, 2 and the line naming "
            + "the key when not. Nothing is started or connected to."
      })
  static final class Check implements Callable<Integer> {
    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "the configuration (default: ${DEFAULT-VALUE})")
    Path config = Path.of(DEFAULT_CONFIG);

    @Override
    public Integer call() {
      GatewayConfig cfg = new ConfigLoader(System.getenv()).load(config);
      System.out.println(
          "tracegate: configuration OK: "
              + config
              + ": "
              + cfg.routes().size()
              + " route(s), "
              + cfg.upstreams().size()
              + " upstream(s), gateway on "
              + cfg.server().host()
              + ":"
              + cfg.server().port()
              + ", admin on "
              + cfg.admin().host()
              + ":"
              + cfg.admin().port());
      return EXIT_OK;
    }
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      versionProvider = Versions.class,
      description =
          "The gateway with conf/demo.yaml, its demo services and event-bus consumers, and PostgreSQL "
              + "(embedded unless database.url is set), seeded with a small shop.")
  static final class Demo implements Callable<Integer> {
    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "the demo configuration (default: ${DEFAULT-VALUE}, " + "else the copy inside the jar)")
    Path config = Path.of(DemoCommand.DEMO_CONFIG);

    @Override
    public Integer call() {
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
      awaitSignalThenStop(() -> CompletableFuture.runAsync(demo::stop), 60_000);
      return EXIT_OK;
    }
  }

  @Command(
      name = "demo-service",
      mixinStandardHelpOptions = true,
      versionProvider = Versions.class,
      description =
          "One demo upstream under its own service.name: orders (reads PostgreSQL), shipping, lab (the "
              + "linkage lab), any other name echoes; or, with --cluster, the event-bus service pricing or inventory "
              + "as a member of the gateway's Vert.x cluster.")
  static final class DemoServiceCommand implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "orders, shipping, lab, pricing, inventory, or any name")
    String name;

    @Option(names = "--port", paramLabel = "N", description = "the HTTP port (HTTP services)")
    Integer port;

    @Option(
        names = "--host",
        paramLabel = "ADDRESS",
        description = "the address to listen on (default: ${DEFAULT-VALUE})")
    String host = "0.0.0.0"; // a service of its own, in a container more often than not

    @Option(
        names = "--database",
        paramLabel = "URL",
        description = "PostgreSQL (default: TRACEGATE_DATABASE_URL)")
    String database;

    @Option(
        names = "--gateway",
        paramLabel = "URL",
        description = "where the lab calls back (default: ${DEFAULT-VALUE})")
    String gateway = "http://127.0.0.1:8080";

    @Option(
        names = "--cluster",
        description = "join the gateway's event-bus cluster (pricing, inventory)")
    boolean cluster;

    @Override
    public Integer call() {
      GatewayConfig defaults = new ConfigLoader(System.getenv()).parse("", "defaults");
      String db = database != null ? database : defaults.database().url().orElse(null);
      if (DemoBus.SERVICES.contains(name)) {
        return busService(name, cluster, db, defaults);
      }
      if (cluster) {
        throw new UsageException("--cluster is for the event-bus services " + DemoBus.SERVICES);
      }
      if (port == null || port < 0 || port > 65535) {
        throw new UsageException("demo-service " + name + " needs --port N (0-65535)");
      }
      DemoService service;
      try {
        service =
            DemoService.start(name, host, port, db, gateway, defaults.telemetry(), List.of())
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        LOG.error("demo service failed to start: " + cause.getMessage());
        return EXIT_START_FAILED;
      }
      awaitSignalThenStop(() -> CompletableFuture.runAsync(service::stop), 30_000);
      return EXIT_OK;
    }
  }

  /**
   * {@code demo-service pricing --cluster}: an event-bus service in its own process, a member of
   * the gateway's cluster.
   */
  private static int busService(
      String name, boolean cluster, String database, GatewayConfig defaults) {
    if (!cluster) {
      throw new UsageException(
          "demo-service " + name + " consumes the event bus of a cluster: add --cluster");
    }
    if (database == null) {
      throw new UsageException(
          "demo-service " + name + " needs --database URL (or TRACEGATE_DATABASE_URL)");
    }
    DemoBus.Member member;
    try {
      member =
          DemoBus.join(
                  name,
                  database,
                  defaults.telemetry(),
                  new GatewayConfig.EventBus(
                      true, defaults.eventBus().host(), defaults.eventBus().members()))
              .toCompletionStage()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("demo service failed to join the cluster: " + cause.getMessage());
      return EXIT_START_FAILED;
    }
    awaitSignalThenStop(() -> CompletableFuture.runAsync(member::stop), 30_000);
    return EXIT_OK;
  }

  /** Starts the gateway, then blocks until SIGTERM or SIGINT has drained and flushed it. */
  static int serve(GatewayConfig cfg, Path file) {
    Gateway gateway;
    try {
      gateway = Gateway.start(cfg, List.of()).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      LOG.error("tracegate failed to start: " + cause);
      return EXIT_START_FAILED;
    }
    // SIGHUP: read and check the file again on a thread of its own, one reload at a time
    ExecutorService reloads =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tracegate-reload");
              t.setDaemon(true);
              return t;
            });
    boolean reloadable =
        Signals.onReload(
            () ->
                reloads.execute(
                    () -> {
                      LOG.info("tracegate: SIGHUP, reloading " + file);
                      gateway.reload(() -> new ConfigLoader(System.getenv()).load(file));
                    }));
    if (!reloadable) {
      LOG.warn(
          "tracegate: SIGHUP is ignored in this process (started under nohup, or its parent"
              + " ignores the signal), so the configuration cannot be reloaded by signal; a change"
              + " to "
              + file
              + " needs a restart");
    }
    awaitSignalThenStop(
        gateway::stop,
        cfg.server().shutdownGrace().toMillis()
            + cfg.telemetry().batch().exportTimeout().toMillis()
            + 5000);
    reloads.shutdownNow();
    return EXIT_OK;
  }

  static void awaitSignalThenStop(Supplier<CompletableFuture<Void>> stop, long maxWaitMs) {
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
