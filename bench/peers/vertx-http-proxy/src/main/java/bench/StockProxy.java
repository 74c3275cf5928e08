package bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.httpproxy.HttpProxy;

/**
 * Vert.x's reverse proxy as its documentation sets it up, as strong as tracegate's own settings
 * allow: one verticle per event loop (two, as tracegate), each with its own client pool, together
 * the size bench/gateway.yaml gives tracegate; the native transport; no tracing.
 *
 * <p>Usage: {@code java -jar vertx-http-proxy-peer.jar PORT UPSTREAM_HOST UPSTREAM_PORT}
 */
public final class StockProxy extends VerticleBase {
  private static final int EVENT_LOOPS = 2;

  /**
   * bench/gateway.yaml's {@code maxConnections: 256}, split over the event loops as tracegate does.
   */
  private static final int POOL = 256 / EVENT_LOOPS;

  private final int port;
  private final String upstreamHost;
  private final int upstreamPort;

  private StockProxy(int port, String upstreamHost, int upstreamPort) {
    this.port = port;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  @Override
  public Future<?> start() {
    HttpClient client =
        vertx
            .httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true))
            .with(new PoolOptions().setHttp1MaxSize(POOL))
            .build();
    HttpProxy proxy = HttpProxy.reverseProxy(client).origin(upstreamPort, upstreamHost);
    return vertx
        .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(proxy)
        .listen();
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String host = args[1];
    int upstream = Integer.parseInt(args[2]);
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS).setPreferNativeTransport(true));
    vertx
        .deployVerticle(
            () -> new StockProxy(port, host, upstream),
            new DeploymentOptions().setInstances(EVENT_LOOPS))
        .onSuccess(
            id ->
                System.out.println(
                    "vertx-http-proxy on 127.0.0.1:"
                        + port
                        + " -> "
                        + host
                        + ":"
                        + upstream
                        + " (native transport: "
                        + vertx.isNativeTransportEnabled()
                        + ")"))
        .onFailure(
            e -> {
              e.printStackTrace();
              System.exit(1);
            });
  }
}
