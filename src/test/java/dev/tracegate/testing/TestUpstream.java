package dev.tracegate.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream HTTP server on an ephemeral port that misbehaves on request: {@code ?delay=MS},
 * {@code ?status=N}, {@code ?hang=1} (never answers), {@code ?reset=1} (closes the connection),
 * {@code ?cut=N} (declares N body bytes, sends a few, then closes). It records what it received.
 */
public final class TestUpstream implements AutoCloseable {
  /** One request as the upstream saw it. */
  public record Received(String method, String uri, MultiMap headers, String body) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();

  public TestUpstream() throws Exception {
    server =
        vertx
            .createHttpServer()
            .connectionHandler(
                c -> {
                  connections.incrementAndGet();
                  c.closeHandler(v -> connections.decrementAndGet());
                })
            .requestHandler(this::handle)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** Connections currently open to this upstream (the gateway's pooled ones included). */
  public int openConnections() {
    return connections.get();
  }

  public void clear() {
    received.clear();
  }

  private void handle(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              received.add(
                  new Received(
                      req.method().name(),
                      req.uri(),
                      MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                      body.toString()));
              long delay = Long.parseLong(param(req, "delay", "0"));
              if (delay > 0) {
                vertx.setTimer(delay, id -> answer(req, body.toString()));
              } else {
                answer(req, body.toString());
              }
            });
  }

  private void answer(HttpServerRequest req, String body) {
    if (req.getParam("hang") != null) {
      return;
    }
    if (req.getParam("reset") != null) {
      req.connection().close();
      return;
    }
    if (req.getParam("cut") != null) {
      req.response()
          .putHeader(HttpHeaders.CONTENT_LENGTH, param(req, "cut", "1000"))
          .write("partial");
      vertx.setTimer(50, id -> req.connection().close());
      return;
    }
    JsonObject json =
        new JsonObject()
            .put("method", req.method().name())
            .put("uri", req.uri())
            .put("traceparent", req.getHeader("traceparent"))
            .put("body", body);
    req.response()
        .setStatusCode(Integer.parseInt(param(req, "status", "200")))
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Upstream", "test")
        .end(json.encode());
  }

  private static String param(HttpServerRequest req, String name, String fallback) {
    String v = req.getParam(name);
    return v == null ? fallback : v;
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
