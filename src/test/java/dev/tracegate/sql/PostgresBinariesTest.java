package dev.tracegate.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostgresBinariesTest {

  @ParameterizedTest
  @CsvSource({
    "Linux, amd64, postgres-linux-x86_64.txz",
    "Linux, aarch64, postgres-linux-arm_64.txz",
    "Mac OS X, x86_64, postgres-darwin-x86_64.txz",
    "Mac OS X, aarch64, postgres-darwin-arm_64.txz",
  })
  void eachSupportedPlatformNamesItsArchive(String osName, String osArch, String archive)
      throws IOException {
    assertThat(PostgresBinaries.archiveFor(osName, osArch)).isEqualTo(archive);
  }

  @ParameterizedTest
  @CsvSource({
    "Windows 11, amd64",
    "FreeBSD, amd64",
    "Linux, s390x",
    "Linux, riscv64",
  })
  void anyOtherPlatformIsToldInOneLineToBringItsOwnDatabase(String osName, String osArch) {
    assertThatThrownBy(() -> PostgresBinaries.archiveFor(osName, osArch))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "there is no embedded PostgreSQL for "
                + osName
                + " on "
                + osArch
                + " (only Linux and macOS, on x86_64 and arm64): set TRACEGATE_DATABASE_URL to a PostgreSQL of your own"
                + " (postgresql://user@host:5432/db)");
  }

  @Test
  void theBuildCarriesThisPlatformsArchiveAndNoOther() throws IOException {
    String here = PostgresBinaries.current();
    try (InputStream in = PostgresBinaries.open(here)) {
      assertThat(in.read()).as("the xz archive's first byte").isEqualTo(0xFD);
    }
    List<String> others =
        List.of(
                "postgres-linux-x86_64.txz",
                "postgres-linux-arm_64.txz",
                "postgres-darwin-x86_64.txz",
                "postgres-darwin-arm_64.txz")
            .stream()
            .filter(a -> !a.equals(here))
            .toList();
    assertThat(others).hasSize(3);
    for (String other : others) {
      assertThatThrownBy(() -> PostgresBinaries.open(other))
          .hasMessageStartingWith(
              "this build carries no " + other + " (it was built on another platform;")
          .hasMessageEndingWith(
              "set TRACEGATE_DATABASE_URL to a PostgreSQL of your own (postgresql://user@host:5432/db)");
    }
  }
}
