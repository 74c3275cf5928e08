package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A held body read as slices honours the pipe's demand and ends once, after the last byte. */
class BufferSlicesTest {
  @Test
  void slicesComeOnDemandAndJoinToTheBody() {
    byte[] bytes = new byte[3 * BufferSlices.SLICE + 123];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    BufferSlices slices = new BufferSlices(Buffer.buffer(bytes));
    List<Buffer> got = new ArrayList<>();
    int[] ends = new int[1];
    slices.pause();
    slices.endHandler(v -> ends[0]++);
    slices.handler(got::add);
    assertThat(got).as("nothing before demand").isEmpty();

    slices.fetch(1);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).length()).isEqualTo(BufferSlices.SLICE);
    slices.fetch(2);
    assertThat(got).hasSize(3);
    assertThat(ends[0]).isZero();

    slices.resume();
    assertThat(got).hasSize(4);
    assertThat(ends[0]).isEqualTo(1);
    Buffer joined = Buffer.buffer();
    got.forEach(joined::appendBuffer);
    assertThat(joined.getBytes()).isEqualTo(bytes);
    slices.resume();
    assertThat(ends[0]).as("ended once").isEqualTo(1);
  }
}
