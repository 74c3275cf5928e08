package dev.tracegate.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A real OTLP collector for tests: accepts {@code POST /v1/traces} with protobuf bodies (or, made
 * with {@link #grpc()}, the {@code TraceService/Export} and {@code LogsService/Export} gRPC calls
 * over HTTP/2), decodes them with the official proto classes, and keeps every span. It can also
 * play a collector that is failing (503, gRPC {@code UNAVAILABLE}) or hung (accepting and never
 * answering).
 */
public final class OtlpReceiver implements AutoCloseable {
  public enum Mode {
    HEALTHY,
    FAILING,
    HUNG
  }

  private final HttpServer server;

  /** The gRPC receiver's own Vert.x, or null for OTLP/HTTP. */
  private final Vertx grpcVertx;

  private final int grpcPort;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final List<ReceivedLog> logs = new CopyOnWriteArrayList<>();

  /** One OTLP log record as it arrived: ids in lower-case hex, attributes decoded. */
  public record ReceivedLog(
      String traceId,
      String spanId,
      String severity,
      String body,
      Map<String, Object> attributes,
      String serviceName) {}

  private final AtomicInteger requests = new AtomicInteger();

  /** With a token: every export must carry {@code authorization: Bearer <token>}, else 401. */
  private final String token;

  private final List<String> encodings = new CopyOnWriteArrayList<>();
  private final AtomicInteger unauthorized = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Mode mode = Mode.HEALTHY;

  public OtlpReceiver() throws IOException {
    this(false, null, null);
  }

  /**
   * A receiver of OTLP/gRPC: {@link #endpoint()} is its {@code http://} URL (HTTP/2 without TLS).
   */
  public static OtlpReceiver grpc() throws IOException {
    return new OtlpReceiver(true, null, null);
  }

  /**
   * A collector as a hosted backend runs one: over TLS with {@code certificates}, answering only
   * exports that carry the bearer {@code token} (401, gRPC {@code UNAUTHENTICATED} otherwise), and
   * taking gzip bodies; {@link #encodings()} tells how each export came.
   */
  public static OtlpReceiver secured(boolean grpc, TestCertificates certificates, String token)
      throws IOException {
    return new OtlpReceiver(grpc, certificates, token);
  }

  private OtlpReceiver(boolean grpc, TestCertificates tls, String token) throws IOException {
    this.token = token;
    if (grpc) {
      grpcVertx = Vertx.vertx();
      GrpcServer calls = GrpcServer.server(grpcVertx);
      calls.callHandler(this::handleGrpc);
      HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0);
      if (tls != null) {
        options
            .setSsl(true)
            .setUseAlpn(true)
            .setKeyCertOptions(
                new io.vertx.core.net.PfxOptions()
                    .setPath(tls.keyStore().toString())
                    .setPassword(TestCertificates.PASSWORD));
      }
      grpcPort =
          grpcVertx.createHttpServer(options).requestHandler(calls).listen().await().actualPort();
    } else {
      grpcVertx = null;
      grpcPort = -1;
    }
    if (tls != null && !grpc) {
      com.sun.net.httpserver.HttpsServer https =
          com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      try {
        https.setHttpsConfigurator(
            new com.sun.net.httpserver.HttpsConfigurator(tls.serverContext()));
      } catch (Exception e) {
        throw new IOException(e);
      }
      server = https;
    } else {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    }
    server.createContext("/v1/traces", this::handle);
    server.createContext("/v1/logs", this::handleLogs);
    server.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "otlp-receiver");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  public String endpoint() {
    return (token != null ? "https" : "http")
        + "://127.0.0.1:"
        + (grpcVertx != null ? grpcPort : server.getAddress().getPort());
  }

  /** How each export arrived: its {@code Content-Encoding} or {@code grpc-encoding}. */
  public List<String> encodings() {
    return List.copyOf(encodings);
  }

  /** Exports turned away for a missing or wrong token. */
  public int unauthorized() {
    return unauthorized.get();
  }

  private boolean authorized(String authorization) {
    if (token == null || ("Bearer " + token).equals(authorization)) {
      return true;
    }
    unauthorized.incrementAndGet();
    return false;
  }

  /** The body as sent, inflated when it came gzip'd. */
  private byte[] body(HttpExchange ex) throws IOException {
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    encodings.add(encoding == null ? "identity" : encoding);
    InputStream in = ex.getRequestBody();
    if ("gzip".equalsIgnoreCase(encoding)) {
      in = new java.util.zip.GZIPInputStream(in);
    }
    return in.readAllBytes();
  }

  /** What a gateway needs in its environment to export here. */
  public Map<String, String> exporterEnv() {
    return grpcVertx == null
        ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint())
        : Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  }

  /** One unary Export call: the request message is decoded whole, then answered by the mode. */
  private void handleGrpc(GrpcServerRequest<Buffer, Buffer> call) {
    requests.incrementAndGet();
    String encoding = call.headers().get("grpc-encoding");
    encodings.add(encoding == null ? "identity" : encoding);
    if (!authorized(call.headers().get("authorization"))) {
      call.response().status(GrpcStatus.UNAUTHENTICATED).end();
      return;
    }
    call.handler(
        message -> {
          if (mode == Mode.HUNG) {
            return;
          }
          if (mode == Mode.FAILING) {
            call.response().status(GrpcStatus.UNAVAILABLE).end();
            return;
          }
          try {
            byte[] bytes = message.getBytes();
            Buffer ok;
            switch (call.fullMethodName()) {
              case "opentelemetry.proto.collector.trace.v1.TraceService/Export" -> {
                decode(ExportTraceServiceRequest.parseFrom(bytes));
                ok = Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray());
              }
              case "opentelemetry.proto.collector.logs.v1.LogsService/Export" -> {
                decodeLogs(ExportLogsServiceRequest.parseFrom(bytes));
                ok = Buffer.buffer(ExportLogsServiceResponse.getDefaultInstance().toByteArray());
              }
              default -> {
                call.response().status(GrpcStatus.UNIMPLEMENTED).end();
                return;
              }
            }
            call.response().end(ok);
          } catch (InvalidProtocolBufferException e) {
            call.response().status(GrpcStatus.INVALID_ARGUMENT).end();
          }
        });
  }

  public void mode(Mode mode) {
    this.mode = mode;
  }

  public int requests() {
    return requests.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = body(ex);
      if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.sendResponseHeaders(401, -1);
        return;
      }
      if (mode == Mode.HUNG) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (mode == Mode.FAILING) {
        ex.sendResponseHeaders(503, -1);
        return;
      }
      if (!"application/x-protobuf".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
        ex.sendResponseHeaders(415, -1);
        return;
      }
      decode(ExportTraceServiceRequest.parseFrom(body));
      ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      ex.sendResponseHeaders(200, ok.length);
      ex.getResponseBody().write(ok);
    } finally {
      ex.close();
    }
  }

  private void handleLogs(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = body(ex);
      if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.sendResponseHeaders(401, -1);
        return;
      }
      decodeLogs(ExportLogsServiceRequest.parseFrom(body));
      byte[] ok = ExportLogsServiceResponse.getDefaultInstance().toByteArray();
      ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, ok.length);
      ex.getResponseBody().write(ok);
    } finally {
      ex.close();
    }
  }

  private void decodeLogs(ExportLogsServiceRequest request) {
    HexFormat hex = HexFormat.of();
    for (var rl : request.getResourceLogsList()) {
      Object service = attributes(rl.getResource().getAttributesList()).get("service.name");
      for (var sl : rl.getScopeLogsList()) {
        for (var r : sl.getLogRecordsList()) {
          logs.add(
              new ReceivedLog(
                  hex.formatHex(r.getTraceId().toByteArray()),
                  hex.formatHex(r.getSpanId().toByteArray()),
                  r.getSeverityText(),
                  r.getBody().getStringValue(),
                  attributes(r.getAttributesList()),
                  String.valueOf(service)));
        }
      }
    }
  }

  /** Waits until a log record matches, and returns it. */
  public ReceivedLog awaitLog(Predicate<ReceivedLog> match) {
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> logs.stream().anyMatch(match));
    return logs.stream().filter(match).findFirst().orElseThrow();
  }

  private void decode(ExportTraceServiceRequest request) {
    spans.addAll(decoded(request));
  }

  /** The spans of one OTLP request, as this receiver records them. */
  public static List<ReceivedSpan> decoded(ExportTraceServiceRequest request) {
    List<ReceivedSpan> spans = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      Map<String, Object> resource = attributes(rs.getResource().getAttributesList());
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(
              new ReceivedSpan(
                  hex.formatHex(s.getTraceId().toByteArray()),
                  hex.formatHex(s.getSpanId().toByteArray()),
                  s.getParentSpanId().isEmpty()
                      ? ""
                      : hex.formatHex(s.getParentSpanId().toByteArray()),
                  s.getName(),
                  s.getKind().name().replace("SPAN_KIND_", ""),
                  attributes(s.getAttributesList()),
                  s.getStatus().getCode().name().replace("STATUS_CODE_", ""),
                  s.getStatus().getMessage(),
                  s.getEventsList().stream().map(Span.Event::getName).collect(Collectors.toList()),
                  s.getStartTimeUnixNano(),
                  s.getEndTimeUnixNano(),
                  String.valueOf(resource.get("service.name")),
                  resource,
                  s.getLinksList().stream()
                      .map(l -> hex.formatHex(l.getSpanId().toByteArray()))
                      .toList()));
        }
      }
    }
    return spans;
  }

  private static Map<String, Object> attributes(List<KeyValue> list) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (KeyValue kv : list) {
      out.put(kv.getKey(), value(kv.getValue()));
    }
    return out;
  }

  private static Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case INT_VALUE:
        return v.getIntValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      case DOUBLE_VALUE:
        return v.getDoubleValue();
      case STRING_VALUE:
        return v.getStringValue();
      case ARRAY_VALUE:
        return v.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
      default:
        return v.toString();
    }
  }

  public List<ReceivedSpan> spans() {
    return new ArrayList<>(spans);
  }

  public List<ReceivedSpan> trace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).collect(Collectors.toList());
  }

  /** Waits until at least {@code count} spans of {@code traceId} have arrived, and returns them. */
  public List<ReceivedSpan> awaitTrace(String traceId, int count) {
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> trace(traceId).size() >= count);
    return trace(traceId);
  }

  /** Waits until at least {@code count} received spans match. */
  public List<ReceivedSpan> await(Predicate<ReceivedSpan> match, int count) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> spans.stream().filter(match).count() >= count);
    return spans.stream().filter(match).collect(Collectors.toList());
  }

  public void clear() {
    spans.clear();
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    if (grpcVertx != null) {
      grpcVertx.close().await();
    }
  }
}
