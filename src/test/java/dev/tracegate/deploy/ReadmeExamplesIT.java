package dev.tracegate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README.md cannot drift from the gateway: {@code bench/readme-examples.sh} runs every example a
 * newcomer can try on Linux without Docker (the commands that exit, the demo and every curl line
 * against it, exactly as printed) and checks every link and anchor; any failure fails the build.
 */
class ReadmeExamplesIT {
  @Test
  void everyReadmeExampleWorksAsPrinted() throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder("bash", "bench/readme-examples.sh").redirectErrorStream(true);
    // the demo's embedded PostgreSQL, as the README's first command starts it
    pb.environment().remove("TRACEGATE_DATABASE_URL");
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("bench/readme-examples.sh said:\n%s", out).isZero();
    assertThat(out).contains("ok    java -jar target/tracegate.jar demo (banner printed)");
    assertThat(Path.of("bench/readme-examples.sh")).isExecutable();
  }
}
