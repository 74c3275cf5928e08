package dev.tracegate.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.testing.LogLines;
import dev.tracegate.testing.OtlpReceiver;
import dev.tracegate.testing.TestCertificates;
import dev.tracegate.testing.TestGateway;
import dev.tracegate.testing.TestUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exporting to a collector as hosted backends run them: over TLS with a CA of the user's ({@code
 * OTEL_EXPORTER_OTLP_CERTIFICATE}), an API token in a header ({@code _HEADERS}), gzip'd ({@code
 * _COMPRESSION}), over both protocols; every span and access-log record arrives, and the token is
 * in no log line.
 */
class SecuredExportTest {
  private static final String TOKEN = "tg-s3cret-7f1c";

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http/protobuf", "grpc"})
  void everySpanReachesATlsCollectorThatWantsATokenAndGzip(String protocol) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    try (OtlpReceiver receiver = OtlpReceiver.secured(protocol.equals("grpc"), certs, TOKEN);
        TestUpstream upstream = new TestUpstream();
        LogLines logs = new LogLines()) {
      TestGateway gateway =
          TestGateway.start(
              "upstreams:\n  up: { urls: ["
                  + upstream.url()
                  + "] }\n"
                  + "routes:\n  - { name: up, path: /up, proxy: { upstream: up } }\n",
              receiver,
              Map.of(
                  "OTEL_EXPORTER_OTLP_PROTOCOL",
                  protocol,
                  "OTEL_EXPORTER_OTLP_HEADERS",
                  "authorization=Bearer%20" + TOKEN,
                  "OTEL_EXPORTER_OTLP_COMPRESSION",
                  "gzip",
                  "OTEL_EXPORTER_OTLP_CERTIFICATE",
                  certs.certificatePem().toString(),
                  "TRACEGATE_ACCESS_LOG_ENABLED",
                  "true",
                  "TRACEGATE_ACCESS_LOG_OUTPUT",
                  dir.resolve("access.log").toString(),
                  "TRACEGATE_ACCESS_LOG_OTLP",
                  "true"));
      try {
        int requests = 10;
        for (int i = 0; i < requests; i++) {
          assertThat(gateway.get("/up").statusCode()).isEqualTo(200);
        }
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> receiver.spans().size() >= 2 * requests);
        receiver.awaitLog(l -> "up".equals(l.attributes().get("tracegate.route")));
      } finally {
        gateway.close();
      }
      assertThat(receiver.spans()).hasSize(20);
      assertThat(receiver.unauthorized()).isZero();
      assertThat(receiver.encodings()).isNotEmpty().containsOnly("gzip");
      assertThat(logs.events())
          .noneMatch(e -> e.getFormattedMessage().contains(TOKEN))
          .noneMatch(e -> String.valueOf(e.getThrowableProxy()).contains(TOKEN));
    }
  }
}
