package dev.tracegate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay in front of a real server that a test can cut ({@link #cut}: refuse new connections
 * and kill the open ones, as an outage looks from the client) and restore on the same port.
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final List<NetSocket> open = new CopyOnWriteArrayList<>();
  private NetServer server;
  private int port;

  public TcpProxy(String targetHost, int targetPort) throws Exception {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
    listen(0);
  }

  private void listen(int onPort) throws Exception {
    server =
        vertx
            .createNetServer()
            .connectHandler(this::relay)
            .listen(onPort, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  private void relay(NetSocket in) {
    in.pause();
    open.add(in);
    client
        .connect(targetPort, targetHost)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                in.close();
                return;
              }
              NetSocket out = ar.result();
              open.add(out);
              in.pipeTo(out);
              out.pipeTo(in);
              in.resume();
            });
  }

  public int port() {
    return port;
  }

  /** The outage: the port stops accepting and every relayed connection is closed. */
  public void cut() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
    for (NetSocket s : open) {
      s.close();
    }
    open.clear();
  }

  /** The recovery, on the same port. */
  public void restore() throws Exception {
    listen(port);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
