package dev.tracegate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The packaged {@code target/tracegate.jar} run as a real process, its output captured line by
 * line.
 */
public final class GatewayProcess implements AutoCloseable {
  private static final Pattern READY =
      Pattern.compile("gateway on [^:]+:(\\d+), admin on [^:]+:(\\d+)");

  private final Process process;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private GatewayProcess(Process process) {
    this.process = process;
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "gateway-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static Path jar() {
    return Path.of(System.getProperty("tracegate.jar", "target/tracegate.jar"));
  }

  public static GatewayProcess start(Map<String, String> env, String... args) throws IOException {
    return start(List.of(), env, args);
  }

  /** As {@code nohup} starts it: SIGHUP ignored from the start, by a shell that then execs java. */
  public static GatewayProcess startWithHangupIgnored(Map<String, String> env, String... args)
      throws IOException {
    return start(List.of("sh", "-c", "trap '' HUP; exec \"$0\" \"$@\""), env, args);
  }

  private static GatewayProcess start(List<String> prefix, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            jar().toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("TRACEGATE_") || k.startsWith("OTEL_"));
    pb.environment().putAll(env);
    return new GatewayProcess(pb.start());
  }

  /** Waits for the ready line and returns {gateway port, admin port}. */
  public int[] awaitReady() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> readyMatch() != null || !process.isAlive());
    Matcher m = readyMatch();
    if (m == null) {
      throw new AssertionError("gateway did not start:\n" + String.join("\n", output));
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  private Matcher readyMatch() {
    for (String line : output) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  /**
   * Sends the signal {@code name} ({@code HUP}, {@code TERM}) as an operator's {@code kill -NAME}
   * would.
   */
  public void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /**
   * Sends SIGTERM. Through the process's handle: {@code Process.destroy()} also closes this side of
   * the output pipe, so whatever the gateway logs while it stops would never be read.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  public int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          "process did not exit within " + limit + ":\n" + String.join("\n", output));
    }
    reader.join(5000); // its last lines may still be in the pipe: output() has them all after
    return process.exitValue();
  }

  public List<String> output() {
    return List.copyOf(output);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
