package dev.tracegate.demo;

import dev.tracegate.Gateway;
import dev.tracegate.config.ConfigException;
import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.UpstreamConfig;
import dev.tracegate.sql.DatabaseSource;
import dev.tracegate.util.Urls;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code tracegate demo}: the gateway with {@code conf/demo.yaml}, the demo services on the ports
 * of their upstream URLs, PostgreSQL (embedded unless {@code database.url} is set) seeded with the
 * demo shop, and a banner with the URLs to try. Everything local.
 */
public final class DemoCommand {
  public static final String DEMO_CONFIG = "conf/demo.yaml";

  private final Gateway gateway;
  private final List<DemoService> services;
  private final DemoBus bus;
  private final DatabaseSource database;

  private DemoCommand(
      Gateway gateway, List<DemoService> services, DemoBus bus, DatabaseSource database) {
    this.bus = bus;
    this.gateway = gateway;
    this.services = services;
    this.database = database;
  }

  /**
   * Loads the demo configuration from {@code file}, or from the copy inside the jar when absent.
   */
  public static GatewayConfig config(Path file, Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env);
    if (Files.exists(file)) {
      return loader.load(file);
    }
    try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(DEMO_CONFIG)) {
      if (in == null) {
        throw new ConfigException("", "configuration file not found: " + file);
      }
      return loader.parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "jar:" + DEMO_CONFIG);
    } catch (IOException e) {
      throw new ConfigException(
          "", "cannot read the built-in " + DEMO_CONFIG + ": " + e.getMessage());
    }
  }

  public static DemoCommand start(GatewayConfig config) throws Exception {
    DatabaseSource database = DatabaseSource.resolve(config.database());
    config = database.pointedHere(config);
    String url = database.url();
    seed(url);
    Gateway gateway = Gateway.start(config, List.of()).await(30, TimeUnit.SECONDS);
    List<SpanProcessor> shared =
        gateway.recentTraces() == null ? List.of() : List.of(gateway.recentTraces());
    List<DemoService> services = new ArrayList<>();
    for (UpstreamConfig up : config.upstreams().values()) {
      for (java.net.URI endpoint : up.urls()) { // one instance per endpoint: catalog has two
        services.add(
            DemoService.start(
                    up.name(),
                    "127.0.0.1",
                    endpoint.getPort(),
                    url,
                    "http://127.0.0.1:" + gateway.port(),
                    config.telemetry(),
                    shared)
                .await(30, TimeUnit.SECONDS));
      }
    }
    DemoBus bus = DemoBus.start(gateway.vertx(), url, config.telemetry(), shared);
    DemoCommand demo = new DemoCommand(gateway, services, bus, database);
    System.out.println(demo.banner(config));
    return demo;
  }

  private static void seed(String url) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      DemoSchema.seed(vertx, url).await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  String banner(GatewayConfig config) {
    String base = "http://127.0.0.1:" + gateway.port();
    String admin = "http://" + config.admin().host() + ":" + gateway.adminPort();
    return String.join(
        "\n",
        "",
        "tracegate demo is up. Try:",
        "  proxy       curl -i " + base + "/api/orders/1",
        "  sql         curl -i " + base + "/api/stock/ESP-1",
        "  compose     curl -i " + base + "/api/summary/1",
        "  timeout     curl -i '"
            + base
            + "/api/orders/2?delay=3000'      (504 upstream_timeout: 2 s, retried once)",
        "  error       curl -i '"
            + base
            + "/api/orders/2?fail=503'        (the upstream's 503, spans in red)",
        "  slow query  curl -i "
            + base
            + "/api/report/2                    (504 db_timeout, query cancelled)",
        "  bus         curl -i "
            + base
            + "/api/price/ESP-1                 (event bus: PRODUCER -> pricing CONSUMER -> worker -> SQL)",
        "  bus timeout curl -i '"
            + base
            + "/api/price/ESP-1?delay=1500'    (504 bus_timeout after 1 s)",
        "  bus error   curl -i '"
            + base
            + "/api/price/ESP-1?fail=409'      (502 bus_error, code 409)",
        "  publish     curl -i -X POST -d '{\"sku\":\"JUG-3\",\"qty\":5}' "
            + base
            + "/api/restock   (202; inventory restocks after)",
        "  mixed       curl -i "
            + base
            + "/api/quote/1                     (compose: proxy + SQL + bus steps)",
        resilience(config, base),
        "  lab         curl -s "
            + base
            + "/lab/                         (the classic tracing mistakes, each beside its fix)",
        "              curl -s "
            + base
            + "/lab/root-context/broken ; sleep 4 ; curl -s "
            + admin
            + "/linkage?format=text",
        "Traces:",
        "  local view  " + admin + "/traces   then " + admin + "/traces/<traceId>?format=text",
        "  for Jaeger  "
            + admin
            + "/traces/<traceId>?format=otlp   (OTLP JSON: Jaeger UI, Search, Upload)",
        "  linkage     "
            + admin
            + "/linkage?format=text   (orphan, unended, outlived_parent, error_unset, split_request, clock)",
        "  Jaeger UI   http://localhost:16686   (exporting to "
            + Urls.redact(config.telemetry().tracesEndpoint())
            + ";"
            + " start Jaeger as README.md says)",
        "Every response carries X-Trace-Id. Ctrl-C stops the demo.",
        "");
  }

  /**
   * The banner's resilience line: the chaos switch of the catalog's second instance, when the demo
   * has one.
   */
  private static String resilience(GatewayConfig config, String base) {
    UpstreamConfig catalog = config.upstreams().get("catalog");
    if (catalog == null || catalog.urls().size() < 2) {
      return "  resilience  (no catalog upstream with two endpoints in this configuration)";
    }
    java.net.URI second = catalog.urls().get(1);
    return "  resilience  curl -X POST http://"
        + second.getHost()
        + ":"
        + second.getPort()
        + "/chaos/on ; for i in $(seq 12);"
        + " do curl -s -o /dev/null -w '%{http_code} ' "
        + base
        + "/api/catalog/1; done   (one endpoint fails: ejected)";
  }

  public Gateway gateway() {
    return gateway;
  }

  public void stop() {
    try {
      gateway.stop().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // logged by the gateway
    }
    services.forEach(DemoService::stop);
    bus.stop();
    database.close();
  }
}
