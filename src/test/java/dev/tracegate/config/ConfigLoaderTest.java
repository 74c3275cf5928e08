package dev.tracegate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String UPSTREAM =
      "upstreams:\n  orders: { urls: [http://127.0.0.1:9101] }\n";

  private static GatewayConfig parse(String yaml, Map<String, String> env) {
    return new ConfigLoader(env).parse(yaml, "test.yaml");
  }

  private static String problem(String yaml) {
    try {
      parse(yaml, Map.of());
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a configuration error");
  }

  @Test
  void shippedExampleLoadsWithSpecDefaults() {
    GatewayConfig c = new ConfigLoader(Map.of()).load(Path.of("conf/tracegate.yaml"));
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.admin().host()).isEqualTo("127.0.0.1");
    assertThat(c.server().requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.upstreams().get("orders").timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(((RouteConfig.Proxy) c.routes().get(0).target()).retries()).isEqualTo(1);
    assertThat(c.telemetry().tracesEndpoint()).isEqualTo("http://localhost:4318/v1/traces");
  }

  @Test
  void unknownUpstreamInRouteIsNamedByKey() {
    assertThat(
            problem(UPSTREAM + "routes:\n  - { name: a, path: /a, proxy: { upstream: nope } }\n"))
        .startsWith("routes[0].proxy.upstream: unknown upstream 'nope'");
  }

  @Test
  void nonNumericPortIsNamedByKey() {
    assertThat(problem("server:\n  port: abc\n"))
        .isEqualTo("server.port: 'abc' is not a whole number");
  }

  @Test
  void transportDefaultsToAutoAndNamesTheChoicesWhenMisspelled() {
    assertThat(parse("", Map.of()).server().transport()).isEqualTo(IoTransport.AUTO);
    assertThat(parse("server: { transport: EPOLL }\n", Map.of()).server().transport())
        .isEqualTo(IoTransport.EPOLL);
    assertThat(problem("server: { transport: iouring }\n"))
        .isEqualTo("server.transport: 'iouring' is not one of auto, io_uring, epoll, nio");
  }

  @Test
  void unparseableDurationIsNamedByKey() {
    assertThat(
            problem(
                UPSTREAM
                    + "routes:\n  - { name: a, path: /a, proxy: { upstream: orders, timeout: 5 parsecs } }\n"))
        .startsWith("routes[0].proxy.timeout: '5 parsecs' is not a duration");
  }

  @Test
  void accessLogDefaultsToJsonOnStdout() {
    AccessLogConfig a = parse("", Map.of()).accessLog();
    assertThat(a.enabled()).isTrue();
    assertThat(a.format()).isEqualTo(LogFormat.JSON);
    assertThat(a.file()).isEmpty();
    assertThat(a.query()).isFalse();
    assertThat(parse("", Map.of()).logFormat()).isEqualTo(LogFormat.TEXT);
  }

  @Test
  void unwritableAccessLogPathIsNamedByKey() {
    assertThat(problem("accessLog: { output: /no/such/dir/access.log }\n"))
        .isEqualTo(
            "accessLog.output: cannot append to '/no/such/dir/access.log': no such directory");
    String tmp = System.getProperty("java.io.tmpdir");
    assertThat(problem("accessLog: { output: '" + tmp + "' }\n"))
        .isEqualTo("accessLog.output: cannot append to '" + tmp + "': is a directory");
  }

  @Test
  void readingTheConfigurationCreatesNoAccessLogFile(@TempDir Path dir) {
    Path file = dir.resolve("access.log");
    assertThat(parse("accessLog: { output: '" + file + "' }\n", Map.of()).accessLog().file())
        .contains(file);
    assertThat(file).as("check starts nothing and writes nothing").doesNotExist();
  }

  @Test
  void accessLogSampleOutOfRangeIsNamedByKey() {
    assertThat(problem("accessLog: { sample: 2 }\n"))
        .isEqualTo("accessLog.sample: 2 is out of range 0.0..1.0");
    assertThat(problem("logging: { format: xml }\n"))
        .isEqualTo("logging.format: 'xml' is not one of text, json");
  }

  @Test
  void credentialHeadersAreNeverCaptured() {
    assertThat(problem("telemetry: { captureHeaders: { request: [x-tenant, authorization] } }\n"))
        .isEqualTo(
            "telemetry.captureHeaders.request[1]: 'authorization' carries credentials and is never captured");
    assertThat(problem("telemetry: { captureHeaders: { response: [X-Tenant] } }\n"))
        .isEqualTo(
            "telemetry.captureHeaders.response[0]: 'X-Tenant' is not a lower-case header name");
  }

  @Test
  void busRouteReadsItsAddressModeAndTimeout() {
    RouteConfig r =
        parse(
                "routes:\n  - { name: p, path: /p, bus: { address: shop.pricing, mode: publish, timeout: 1s } }\n",
                Map.of())
            .routes()
            .get(0);
    assertThat(r.target())
        .isEqualTo(
            new RouteConfig.Bus(
                "shop.pricing", RouteConfig.BusMode.PUBLISH, Duration.ofSeconds(1)));
    assertThat(problem("routes:\n  - { name: p, path: /p, bus: { address: 'a b' } }\n"))
        .startsWith("routes[0].bus.address: 'a b' is not an event-bus address");
    assertThat(problem("routes:\n  - { name: p, path: /p, bus: { address: a, mode: fire } }\n"))
        .isEqualTo("routes[0].bus.mode: 'fire' is not one of request, publish");
    assertThat(
            problem(
                UPSTREAM
                    + "routes:\n  - { name: p, path: /p, bus: { address: a }, proxy: { upstream: orders } }\n"))
        .isEqualTo(
            "routes[0].bus: a route needs exactly one of proxy, sql, compose, bus ('p' has proxy and bus)");
  }

  @Test
  void missingFileIsReported() {
    assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(Path.of("does/not/exist.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("configuration file not found: does/not/exist.yaml");
  }

  @Test
  void misspelledKeyIsRejected() {
    assertThat(problem("server:\n  prot: 1\n")).isEqualTo("server.prot: unknown key");
  }

  @Test
  void routeNeedsExactlyOneTarget() {
    assertThat(problem(UPSTREAM + "routes:\n  - { name: a, path: /a }\n"))
        .contains("exactly one of proxy, sql, compose");
  }

  @Test
  void sqlPlaceholdersMustMatchParams() {
    assertThat(
            problem(
                "routes:\n  - name: s\n    path: /s/:id\n    sql: { query: 'SELECT $1, $2', params: [path.id] }\n"))
        .startsWith("routes[0].sql.params: the query uses $1..$2 but 1 param(s) are declared");
  }

  @Test
  void environmentOverridesFileByUpperSnakeKeyPath() {
    GatewayConfig c =
        parse(
            UPSTREAM + "server:\n  port: 8080\n",
            Map.of(
                "TRACEGATE_SERVER_PORT", "9999",
                "TRACEGATE_SERVER_MAX_IN_FLIGHT", "7",
                "TRACEGATE_DATABASE_URL", "postgresql://u:secret@db:5432/app",
                "TRACEGATE_UPSTREAMS_ORDERS_URLS", "http://a:1,http://b:2"));
    assertThat(c.server().port()).isEqualTo(9999);
    assertThat(c.server().maxInFlight()).isEqualTo(7);
    assertThat(c.database().url()).hasValue("postgresql://u:secret@db:5432/app");
    assertThat(c.database().toString()).doesNotContain("secret");
    assertThat(c.upstreams().get("orders").urls()).hasSize(2);
  }

  @Test
  void everyKeyIsReachableFromTheEnvironmentWhetherOrNotTheFileDeclaresIt() {
    GatewayConfig c =
        parse(
            UPSTREAM + "routes:\n  - { name: o, path: /o/*, proxy: { upstream: orders } }\n",
            Map.of(
                "TRACEGATE_UPSTREAMS_ORDERS_TIMEOUT", "7s",
                "TRACEGATE_ROUTES_0_PROXY_RETRIES", "2",
                "TRACEGATE_ACCESS_LOG_FORMAT", "text",
                "TRACEGATE_TELEMETRY_CAPTURE_HEADERS_REQUEST", "x-tenant"));
    assertThat(c.upstreams().get("orders").timeout()).hasSeconds(7);
    assertThat(((RouteConfig.Proxy) c.routes().get(0).target()).retries()).isEqualTo(2);
    assertThat(c.accessLog().format()).isEqualTo(LogFormat.TEXT);
    assertThat(c.telemetry().captureHeaders().request()).containsExactly("x-tenant");
  }

  @Test
  void aVariableThatNamesNoKeyIsAnErrorNamingIt() {
    assertThatThrownBy(() -> parse(UPSTREAM, Map.of("TRACEGATE_UPSTREAMS_ORDERS_TIMOUT", "7s")))
        .hasMessageStartingWith("TRACEGATE_UPSTREAMS_ORDERS_TIMOUT: names no configuration key");
    // a key of another route kind is no key of this route either
    assertThatThrownBy(
            () ->
                parse(
                    UPSTREAM
                        + "routes:\n  - { name: o, path: /o/*, proxy: { upstream: orders } }\n",
                    Map.of("TRACEGATE_ROUTES_0_SQL_QUERY", "SELECT 1")))
        .hasMessageStartingWith("TRACEGATE_ROUTES_0_SQL_QUERY: names no configuration key");
    // the environment sets keys of upstreams and routes the file declares; it cannot add one
    assertThatThrownBy(
            () -> parse(UPSTREAM, Map.of("TRACEGATE_UPSTREAMS_NEWUP_URLS", "http://a:1")))
        .hasMessageStartingWith("TRACEGATE_UPSTREAMS_NEWUP_URLS: names no configuration key");
    assertThatThrownBy(() -> parse(UPSTREAM, Map.of("TRACEGATE_ROUTES_0_PATH", "/x")))
        .hasMessageStartingWith("TRACEGATE_ROUTES_0_PATH: names no configuration key");
    // the test suite's own variables are not configuration
    assertThat(parse(UPSTREAM, Map.of("TRACEGATE_TEST_PG_URL", "postgresql://x")).upstreams())
        .containsKey("orders");
  }

  @Test
  void resilienceSectionsAreReadWithTheirDefaultsAndRefuseUnknownKeys() {
    GatewayConfig c =
        parse(
            "upstreams:\n  orders:\n    urls: [http://127.0.0.1:9101]\n"
                + "    circuitBreaker: { minRequests: 7 }\n    healthCheck: {}\n",
            Map.of());
    var up = c.upstreams().get("orders");
    assertThat(up.circuitBreaker())
        .hasValueSatisfying(
            b -> {
              assertThat(b.minRequests()).isEqualTo(7);
              assertThat(b.failureRatio()).isEqualTo(0.5);
            });
    assertThat(up.healthCheck()).hasValueSatisfying(h -> assertThat(h.path()).isEqualTo("/health"));
    assertThat(up.outlierDetection()).isEmpty();
    assertThatThrownBy(
            () ->
                parse(
                    "upstreams:\n  orders:\n    urls: [http://127.0.0.1:9101]\n"
                        + "    outlierDetection: { consecutiveFailure: 3 }\n",
                    Map.of()))
        .hasMessage("upstreams.orders.outlierDetection.consecutiveFailure: unknown key");
    assertThatThrownBy(
            () ->
                parse(
                    UPSTREAM
                        + "routes:\n  - { name: o, path: /o, rateLimit: { burst: 3 }, proxy: { upstream: orders } }\n",
                    Map.of()))
        .hasMessageStartingWith("routes[0].rateLimit.requestsPerSecond: is required");
  }

  @Test
  void badEnvironmentValueIsNamedByKey() {
    assertThatThrownBy(() -> parse("", Map.of("TRACEGATE_SERVER_PORT", "eighty")))
        .hasMessage("server.port: 'eighty' is not a whole number");
  }

  @Test
  void resourceAttributesArePercentDecodedKeepingPlusSigns() {
    assertThat(
            parse("", Map.of("OTEL_RESOURCE_ATTRIBUTES", "team=a+b,owner=ops%20team,k = v "))
                .telemetry()
                .resourceAttributes())
        .containsEntry("team", "a+b")
        .containsEntry("owner", "ops team")
        .containsEntry("k", "v");
  }

  @Test
  void otlpExporterOptionsFollowTheSpecificationsVariables(@TempDir Path dir) throws Exception {
    Path ca = dir.resolve("ca.pem");
    java.nio.file.Files.writeString(
        ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    TelemetryConfig t =
        parse(
                "",
                Map.of(
                    "OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%2Cb+c,X-Team=ops",
                    "OTEL_EXPORTER_OTLP_LOGS_HEADERS", "api-key=logs",
                    "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip",
                    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500",
                    "OTEL_EXPORTER_OTLP_CERTIFICATE", ca.toString()))
            .telemetry();
    assertThat(t.tracesOtlp().headers()).containsEntry("api-key", "a,b+c").containsKey("x-team");
    assertThat(t.logsOtlp().headers()).as("the signal's own wins").containsOnlyKeys("api-key");
    assertThat(t.tracesOtlp().gzip()).isTrue();
    assertThat(t.tracesOtlp().timeout()).contains(java.time.Duration.ofMillis(2500));
    assertThat(t.logsOtlp().timeout()).isEmpty();
    assertThat(t.tracesOtlp().certificate()).contains(ca);
    assertThat(t.toString()).doesNotContain("a,b+c").doesNotContain("ops");
  }

  @Test
  void badOtlpExporterOptionsAreNamedWithoutTheirSecrets() {
    assertThatThrownBy(
            () -> parse("", Map.of("OTEL_EXPORTER_OTLP_HEADERS", "token-without-a-name")))
        .hasMessageStartingWith("OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not name=value")
        .hasMessageNotContaining("token-without-a-name");
    assertThatThrownBy(() -> parse("", Map.of("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")))
        .hasMessage("OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' is not one of gzip, none");
    assertThatThrownBy(
            () -> parse("", Map.of("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/no/such/ca.pem")))
        .hasMessage("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/no/such/ca.pem': no such file");
    assertThatThrownBy(() -> parse("", Map.of("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")))
        .hasMessageStartingWith("OTEL_EXPORTER_OTLP_TIMEOUT: '10s' is not a positive number");
  }

  @Test
  void sqlRoutesWithoutADatabaseUrlStopTheStartUnlessEmbeddedIsAsked() {
    String route = "routes: [ { name: s, path: /s, sql: { query: 'SELECT 1 AS one' } } ]\n";
    assertThatThrownBy(() -> parse(route, Map.of()))
        .hasMessageStartingWith("database.url: is required by SQL routes");
    assertThat(parse("database: { embedded: true }\n" + route, Map.of()).database().embedded())
        .isTrue();
    assertThat(
            parse(route, Map.of("TRACEGATE_DATABASE_URL", "postgresql://db/shop")).database().url())
        .contains("postgresql://db/shop");
    // no SQL route, no database needed
    assertThat(parse("", Map.of()).database().url()).isEmpty();
  }

  @Test
  void otelVariablesWinOverTelemetrySection() {
    GatewayConfig c =
        parse(
            "telemetry:\n  serviceName: fromfile\n  sampler: always_on\n",
            Map.of(
                "OTEL_SERVICE_NAME", "fromenv",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
                "OTEL_TRACES_SAMPLER", "traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25",
                "OTEL_PROPAGATORS", "tracecontext,b3multi",
                "OTEL_BSP_MAX_QUEUE_SIZE", "100"));
    TelemetryConfig t = c.telemetry();
    assertThat(t.serviceName()).isEqualTo("fromenv");
    assertThat(t.tracesEndpoint()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(t.sampler()).isEqualTo(TelemetryConfig.SamplerName.TRACEIDRATIO);
    assertThat(t.samplerArg()).isEqualTo(0.25);
    assertThat(t.propagators())
        .containsExactly(
            TelemetryConfig.PropagatorName.TRACECONTEXT, TelemetryConfig.PropagatorName.B3MULTI);
    assertThat(t.batch().maxQueueSize()).isEqualTo(100);
  }

  @Test
  void grpcProtocolDefaultsToPort4317AndNamesNoSignalPath() {
    TelemetryConfig t = parse("", Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).telemetry();
    assertThat(t.tracesProtocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(t.logsProtocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(t.tracesEndpoint()).isEqualTo("http://localhost:4317");
    assertThat(t.logsEndpoint()).isEqualTo("http://localhost:4317");

    TelemetryConfig fromFile =
        parse("telemetry:\n  protocol: grpc\n  endpoint: http://collector:4317/\n", Map.of())
            .telemetry();
    assertThat(fromFile.tracesProtocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(fromFile.tracesEndpoint()).isEqualTo("http://collector:4317");
  }

  @Test
  void eachSignalMayTakeItsOwnProtocol() {
    TelemetryConfig t =
        parse(
                "telemetry:\n  protocol: grpc\n",
                Map.of(
                    "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf",
                    "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"))
            .telemetry();
    assertThat(t.tracesProtocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(t.tracesEndpoint()).isEqualTo("http://collector:4317");
    assertThat(t.logsProtocol()).isEqualTo(TelemetryConfig.Protocol.HTTP_PROTOBUF);
    assertThat(t.logsEndpoint()).isEqualTo("http://collector:4317/v1/logs");

    TelemetryConfig byDefault = parse("", Map.of()).telemetry();
    assertThat(byDefault.tracesProtocol()).isEqualTo(TelemetryConfig.Protocol.HTTP_PROTOBUF);
    assertThat(byDefault.tracesEndpoint()).isEqualTo("http://localhost:4318/v1/traces");
  }

  @Test
  void unknownProtocolIsRefusedWithTheChoices() {
    assertThatThrownBy(() -> parse("", Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")))
        .hasMessage("OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' is not one of http/protobuf, grpc");
    assertThatThrownBy(() -> parse("telemetry:\n  protocol: thrift\n", Map.of()))
        .hasMessage("telemetry.protocol: 'thrift' is not one of http/protobuf, grpc");
  }

  @Test
  void composeCyclesAreRejected() {
    assertThat(
            problem(
                UPSTREAM
                    + "routes:\n  - name: c\n    path: /c\n    compose:\n      steps:\n"
                    + "        a: { after: [b], proxy: { upstream: orders, path: /a } }\n"
                    + "        b: { after: [a], proxy: { upstream: orders, path: /b } }\n"))
        .isEqualTo("routes[0].compose.steps: the steps' after lists form a cycle");
  }
}
