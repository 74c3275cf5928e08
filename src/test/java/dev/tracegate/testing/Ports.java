package dev.tracegate.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Ports for servers a test starts after the gateway that must know their address first. */
public final class Ports {
  private Ports() {}

  /** A port nothing listens on right now (the OS's next ephemeral one). */
  public static int free() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
