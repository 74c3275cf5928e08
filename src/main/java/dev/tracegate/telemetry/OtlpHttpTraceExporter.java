package dev.tracegate.telemetry;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.internal.FailedExportException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.ProxyOptions;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * OTLP/HTTP span export ({@code POST {endpoint}/v1/traces}, {@code application/x-protobuf}): the
 * request body comes from {@link OtlpTraceEncoder}, the HTTP from the SDK's own sender (OkHttp's,
 * with the SDK's retry policy for 429/502/503/504 and connection failures, headers, gzip and TLS as
 * {@link ExporterSettings} give them), so the wire, the retries and the failure types are the SDK
 * exporter's; only the encoding is tracegate's.
 */
final class OtlpHttpTraceExporter implements SpanExporter {
  private final HttpSender sender;
  private final AtomicBoolean shutDown = new AtomicBoolean();

  private OtlpHttpTraceExporter(HttpSender sender) {
    this.sender = sender;
  }

  /**
   * Sends to {@code endpoint} (the full URL, {@code /v1/traces} included) through the HTTP sender
   * on the class path, OkHttp's, the only one tracegate ships, with {@code options}' headers, gzip
   * and TLS, and {@code retries}.
   */
  static OtlpHttpTraceExporter create(
      String endpoint, ExporterSettings settings, RetryPolicy retries) {
    ComponentLoader loader =
        ComponentLoader.forClassLoader(OtlpHttpTraceExporter.class.getClassLoader());
    HttpSenderProvider provider = null;
    for (HttpSenderProvider p : loader.load(HttpSenderProvider.class)) {
      provider = p;
    }
    if (provider == null) {
      throw new IllegalStateException("no OTLP HTTP sender on the class path");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    settings.headers().forEach((k, v) -> headers.put(k, List.of(v)));
    headers.put("User-Agent", List.of("tracegate/" + Telemetry.version()));
    Map<String, List<String>> fixed = Map.copyOf(headers);
    return new OtlpHttpTraceExporter(
        provider.createSender(
            new SenderConfig(URI.create(endpoint), settings, () -> fixed, retries)));
  }

  /**
   * As a plain {@link SpanExporter}: encodes the batch here. The gateway's own path is {@link
   * EncodingBatchProcessor}, which encodes each span where it ends and calls {@link #send}; this
   * keeps no encoder of its own, so that path allocates none at start-up.
   */
  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    return send(OtlpTraceEncoder.Request.of(new OtlpTraceEncoder().encode(spans)));
  }

  /** Sends one encoded {@code ExportTraceServiceRequest}. */
  CompletableResultCode send(OtlpTraceEncoder.Request body) {
    if (shutDown.get()) {
      return CompletableResultCode.ofFailure();
    }
    CompletableResultCode result = new CompletableResultCode();
    sender.send(
        new Body(body),
        response -> {
          int status = response.getStatusCode();
          if (status >= 200 && status < 300) {
            result.succeed();
          } else {
            result.failExceptionally(FailedExportException.httpFailedWithResponse(response));
          }
        },
        error -> result.failExceptionally(FailedExportException.httpFailedExceptionally(error)));
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess(); // nothing is held here: each export sends at once
  }

  @Override
  public CompletableResultCode shutdown() {
    if (!shutDown.compareAndSet(false, true)) {
      return CompletableResultCode.ofSuccess();
    }
    return sender.shutdown();
  }

  /** An encoded request, written as often as the sender's retries need it. */
  private record Body(OtlpTraceEncoder.Request request) implements MessageWriter {
    @Override
    public void writeMessage(OutputStream output) throws IOException {
      request.writeTo(output);
    }

    @Override
    public int getContentLength() {
      return request.length();
    }
  }

  /** What the sender needs; a proxy stays at the sender's default (none). */
  private record SenderConfig(
      URI endpoint,
      ExporterSettings settings,
      Supplier<Map<String, List<String>>> headers,
      RetryPolicy retries)
      implements HttpSenderConfig {
    @Override
    public URI getEndpoint() {
      return endpoint;
    }

    @Override
    public String getContentType() {
      return "application/x-protobuf";
    }

    @Override
    public Compressor getCompressor() {
      return settings.compressor();
    }

    @Override
    public Duration getTimeout() {
      return settings.timeout();
    }

    @Override
    public Duration getConnectTimeout() {
      return settings.timeout();
    }

    @Override
    public Supplier<Map<String, List<String>>> getHeadersSupplier() {
      return headers;
    }

    @Override
    public ProxyOptions getProxyOptions() {
      return null;
    }

    @Override
    public RetryPolicy getRetryPolicy() {
      return retries;
    }

    @Override
    public SSLContext getSslContext() {
      return settings.sslContext();
    }

    @Override
    public X509TrustManager getTrustManager() {
      return settings.trustManager();
    }

    @Override
    public ExecutorService getExecutorService() {
      return null;
    }
  }
}
