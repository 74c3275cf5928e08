package dev.tracegate.config;

import dev.tracegate.util.Throwables;
import io.vertx.core.transport.Transport;

/**
 * {@code server.transport}: how the event loops talk to the kernel. {@code auto} takes io_uring
 * where the kernel allows it (Linux 5.9 and later, unless a seccomp profile forbids it, as Docker's
 * default profile and containerd's RuntimeDefault do), else epoll, else the JDK's NIO; the others
 * insist on one.
 */
public enum IoTransport {
  AUTO,
  IO_URING,
  EPOLL,
  NIO;

  /** The Vert.x transport this choice stands for on this machine. */
  public Transport resolve() {
    return switch (this) {
      case AUTO -> best();
      case IO_URING -> Transport.IO_URING;
      case EPOLL -> Transport.EPOLL;
      case NIO -> Transport.NIO;
    };
  }

  /** Why an explicit choice cannot be had on this machine, or null when it can. */
  String unavailable() {
    Transport t = resolve();
    if (t == null) {
      return name().toLowerCase() + " is not built into this tracegate";
    }
    if (!t.available()) {
      Throwable why = t.unavailabilityCause();
      return name().toLowerCase()
          + " is not available on this machine"
          + (why == null ? "" : " (" + message(Throwables.root(why)) + ")")
          + "; use auto to fall back to the best one that is";
    }
    return null;
  }

  private static Transport best() {
    for (Transport t : new Transport[] {Transport.IO_URING, Transport.EPOLL, Transport.KQUEUE}) {
      if (t != null && t.available()) {
        return t;
      }
    }
    return Transport.NIO;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
