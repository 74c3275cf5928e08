package dev.tracegate.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body held in memory, read as a stream of slices that share its bytes. Sent whole, a 1 MiB body
 * is one write, which the transport copies whole into direct memory to hand the socket; sent as
 * slices through a pipe, only what the connection's write queue holds is copied at a time, so the
 * direct memory of many large bodies in flight stays bounded by the connections, not the bodies.
 * One per attempt (a retry reads the body again from the start); confined to its event loop.
 */
final class BufferSlices implements ReadStream<Buffer> {
  /** Bodies up to this size go in one write; larger ones in slices of it. */
  static final int SLICE = 64 * 1024;

  private final Buffer body;
  private int offset;
  private long demand = Long.MAX_VALUE;
  private boolean emitting;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;

  BufferSlices(Buffer body) {
    this.body = body;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this; // memory does not fail
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    this.handler = handler;
    emit();
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    demand = 0;
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
    emit();
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    emit();
    return this;
  }

  /** Hands out slices while there is demand; a handler called back into this waits its turn. */
  private void emit() {
    if (emitting || handler == null) {
      return;
    }
    emitting = true;
    try {
      int length = body.length();
      while (demand > 0 && offset < length && handler != null) {
        int end = Math.min(length, offset + SLICE);
        Buffer slice = body.slice(offset, end);
        offset = end;
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(slice);
      }
      if (offset >= length && endHandler != null) {
        Handler<Void> end = endHandler;
        endHandler = null;
        end.handle(null);
      }
    } finally {
      emitting = false;
    }
  }
}
