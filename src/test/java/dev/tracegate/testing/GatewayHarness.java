package dev.tracegate.testing;

import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The common test setup as a JUnit extension: an OTLP receiver, one misbehaving upstream and a
 * gateway configured against it, started once per class, the upstream's record cleared before each
 * test, and everything closed (with the no-open-span check) after the class.
 *
 * <pre>
 * {@code @RegisterExtension static final GatewayHarness harness = GatewayHarness.of(url -> "...yaml...");}
 * </pre>
 */
public final class GatewayHarness
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  private final Function<String, String> yaml;
  private OtlpReceiver receiver;
  private TestUpstream upstream;
  private TestGateway gateway;

  private GatewayHarness(Function<String, String> yaml) {
    this.yaml = yaml;
  }

  /** {@code yaml} gets the upstream's base URL and returns the gateway's configuration. */
  public static GatewayHarness of(Function<String, String> yaml) {
    return new GatewayHarness(yaml);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    receiver = new OtlpReceiver();
    upstream = new TestUpstream();
    gateway = TestGateway.start(yaml.apply(upstream.url()), receiver);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    upstream.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      gateway.close();
    } finally {
      upstream.close();
      receiver.close();
    }
  }

  public OtlpReceiver receiver() {
    return receiver;
  }

  public TestUpstream upstream() {
    return upstream;
  }

  public TestGateway gateway() {
    return gateway;
  }
}
