package dev.tracegate.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port that accepts no connections: a listener that never calls accept, its backlog
 * filled, so further SYNs are dropped and a connect hangs until the client's own timeout.
 */
public final class BlackholePort implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Socket> fillers = new ArrayList<>();

  public BlackholePort() throws IOException {
    listener = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    for (int i = 0; i < 16; i++) {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), 200);
        fillers.add(s);
      } catch (SocketTimeoutException e) {
        s.close();
        return; // the backlog is full: connects now hang
      }
    }
    throw new IOException("could not fill the listen backlog");
  }

  public int port() {
    return listener.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : fillers) {
      s.close();
    }
    listener.close();
  }
}
