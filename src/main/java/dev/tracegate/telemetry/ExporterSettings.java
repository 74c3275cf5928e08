package dev.tracegate.telemetry;

import dev.tracegate.config.OtlpOptions;
import io.opentelemetry.exporter.internal.TlsUtil;
import io.opentelemetry.sdk.common.export.Compressor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * One signal's {@link OtlpOptions} made ready for a sender: the TLS context built from the PEM
 * files (the SDK's own PEM reading), the gzip compressor, the timeout. {@code sslContext} and
 * {@code trustManager} are null without a certificate of either kind: the sender's defaults, the
 * JVM's CAs, serve then.
 */
record ExporterSettings(
    Map<String, String> headers,
    Compressor compressor,
    Duration timeout,
    SSLContext sslContext,
    X509TrustManager trustManager,
    OtlpOptions options) {

  static ExporterSettings of(OtlpOptions options, Duration exportTimeout) {
    SSLContext ssl = null;
    X509TrustManager trust = null;
    if (options.certificate().isPresent() || options.clientKey().isPresent()) {
      try {
        trust =
            options.certificate().isPresent()
                ? TlsUtil.trustManager(read(options.certificate().get()))
                : TlsUtil.defaultTrustManager();
        KeyManager[] keys =
            options.clientKey().isPresent()
                ? new KeyManager[] {
                  TlsUtil.keyManager(
                      read(options.clientKey().get()), read(options.clientCertificate().get()))
                }
                : null;
        ssl = SSLContext.getInstance("TLS");
        ssl.init(keys, new X509TrustManager[] {trust}, null);
      } catch (Exception e) {
        throw new IllegalArgumentException(
            "the OTLP exporter's certificates cannot be used: " + e.getMessage(), e);
      }
    }
    return new ExporterSettings(
        options.headers(),
        options.gzip() ? Gzip.INSTANCE : null,
        options.timeoutOr(exportTimeout),
        ssl,
        trust,
        options);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code Content-Encoding: gzip}, as the specification's {@code _COMPRESSION=gzip} asks. */
  enum Gzip implements Compressor {
    INSTANCE;

    @Override
    public String getEncoding() {
      return "gzip";
    }

    @Override
    public OutputStream compress(OutputStream out) throws IOException {
      return new GZIPOutputStream(out);
    }
  }

  @Override
  public String toString() {
    return "ExporterSettings" + options; // OtlpOptions hides the header values
  }
}
