package dev.tracegate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** What an upstream's answer loses on its way to the client: what its Connection headers name. */
class ForwardHeadersTest {
  @Test
  void headersNamedByConnectionAreDroppedWhateverTheSpacingAndCase() {
    MultiMap from =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "Keep-Alive, X-One ,\tx-two")
            .add("Connection", "close,,X-Three")
            .add("Keep-Alive", "timeout=5")
            .add("X-One", "1")
            .add("X-Two", "2")
            .add("X-Three", "3")
            .add("Close", "named by the option")
            .add("X-Kept", "kept")
            .add("Content-Type", "application/json");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();

    ForwardHeaders.response(from, to);

    assertThat(to.names())
        .containsExactlyInAnyOrder("X-Kept", "Content-Type")
        .doesNotContain("Connection", "Keep-Alive", "X-One", "X-Two", "X-Three", "Close");
  }
}
