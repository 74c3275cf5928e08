package dev.tracegate.sql;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Which PostgreSQL build the embedded server runs: the {@code io.zonky.test.postgres} binaries of
 * Linux and macOS on x86_64 and arm64. The build puts the one archive of the platform it runs on
 * into the jar (a Maven profile per platform, so the container image carries one, not four);
 * anywhere else the user is told, in one line, to bring a PostgreSQL of their own.
 */
final class PostgresBinaries {
  static final String ELSEWHERE =
      "set TRACEGATE_DATABASE_URL to a PostgreSQL of your own "
          + "(postgresql://user@host:5432/db)";

  private PostgresBinaries() {}

  /**
   * The archive's resource name for {@code os.name} and {@code os.arch}, as the binaries' artifacts
   * name it.
   */
  static String archiveFor(String osName, String osArch) throws IOException {
    String os = osName.toLowerCase(Locale.ROOT);
    String system =
        os.startsWith("linux")
            ? "linux"
            : os.startsWith("mac os x") || os.startsWith("darwin") ? "darwin" : null;
    String arch =
        switch (osArch.toLowerCase(Locale.ROOT)) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "arm_64";
          default -> null;
        };
    if (system == null || arch == null) {
      throw new IOException(
          "there is no embedded PostgreSQL for "
              + osName
              + " on "
              + osArch
              + " (only Linux and macOS, on x86_64 and arm64): "
              + ELSEWHERE);
    }
    return "postgres-" + system + "-" + arch + ".txz";
  }

  /** This JVM's archive. */
  static String current() throws IOException {
    return archiveFor(System.getProperty("os.name"), System.getProperty("os.arch"));
  }

  /** The archive's bytes, or the line saying this jar was built for another platform. */
  static InputStream open(String archive) throws IOException {
    InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(archive);
    if (in == null) {
      throw new IOException(
          "this build carries no "
              + archive
              + " (it was built on another platform; "
              + "build it here, or with the platform's profile, e.g. mvn package -Ppg-linux-arm64), or "
              + ELSEWHERE);
    }
    return in;
  }
}
