package dev.tracegate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tracegate.config.ConfigLoader;
import dev.tracegate.config.GatewayConfig;
import dev.tracegate.config.TelemetryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps the Dockerfile, docker-compose.yml and Kubernetes manifests true to what the image really
 * serves: ports, probe paths, environment names, configurations that load.
 */
class DeploymentFilesTest {
  private static final Yaml YAML = new Yaml(new SafeConstructor(new LoaderOptions()));

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String file) throws Exception {
    return (Map<String, Object>) YAML.load(Files.readString(Path.of(file)));
  }

  @SuppressWarnings("unchecked")
  private static <T> T at(Object node, String... path) {
    Object cur = node;
    for (String p : path) {
      cur =
          cur instanceof List
              ? ((List<Object>) cur).get(Integer.parseInt(p))
              : ((Map<String, Object>) cur).get(p);
    }
    return (T) cur;
  }

  @Test
  void dockerfileTakesBaseImagesAsArgumentsRunsNonRootAndChecksReadiness() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
    String text = String.join("\n", lines);
    assertThat(text)
        .contains(
            "ARG BUILD_IMAGE=",
            "ARG RUNTIME_IMAGE=",
            "FROM ${BUILD_IMAGE} AS build",
            "FROM ${RUNTIME_IMAGE}");
    assertThat(lines).contains("EXPOSE 8080 9090", "USER 10001:10001");
    assertThat(text)
        .contains("TRACEGATE_ADMIN_HOST=0.0.0.0")
        .contains("CMD curl -fsS http://127.0.0.1:9090/health/ready")
        .contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/tracegate.jar\"]")
        .contains("-XX:MaxRAMPercentage=");
    // the production build: the demo's embedded PostgreSQL binaries stay out of the image
    assertThat(lines)
        .filteredOn(l -> l.startsWith("RUN mvn"))
        .isNotEmpty()
        .allMatch(l -> l.contains(" -Dproduction "));
    // the environment names the image sets are real configuration keys
    GatewayConfig c =
        new ConfigLoader(
                Map.of("TRACEGATE_ADMIN_HOST", "0.0.0.0", "TRACEGATE_SERVER_HOST", "0.0.0.0"))
            .load(Path.of("conf/tracegate.yaml"));
    assertThat(c.admin().host()).isEqualTo("0.0.0.0");
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.admin().port()).isEqualTo(9090);
  }

  @Test
  void composeRunsPinnedJaegerV2AndGatewayWhoseEnvironmentLoads() throws Exception {
    Map<String, Object> compose = yaml("docker-compose.yml");
    Map<String, Object> services = at(compose, "services");
    assertThat(services).containsKeys("jaeger", "postgres", "tracegate", "orders", "shipping");
    String jaeger = at(services, "jaeger", "image");
    assertThat(jaeger).matches("jaegertracing/jaeger:2\\.\\d+\\.\\d+");
    assertThat((List<String>) at(services, "jaeger", "ports"))
        .contains("16686:16686", "4317:4317", "4318:4318");
    assertThat((String) at(services, "postgres", "image")).matches("postgres:\\d+(\\.\\d+)?");

    Map<String, Object> gw = at(services, "tracegate");
    Map<String, String> env = new HashMap<>();
    ((Map<String, Object>) gw.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
    assertThat(env.get("OTEL_EXPORTER_OTLP_ENDPOINT")).isEqualTo("http://jaeger:4317");
    GatewayConfig c = new ConfigLoader(env).load(Path.of("conf/demo.yaml"));
    assertThat(c.upstreams().get("orders").urls().get(0).toString())
        .isEqualTo("http://orders:9101");
    assertThat(c.telemetry().tracesProtocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(c.telemetry().tracesEndpoint()).isEqualTo("http://jaeger:4317");
    assertThat((List<String>) gw.get("ports")).contains("8080:8080", "127.0.0.1:9090:9090");
    assertThat(c.eventBus().cluster()).isTrue();

    // the event-bus services join the gateway's cluster: every member lists the others
    for (String name : List.of("pricing", "inventory")) {
      assertThat((List<String>) at(services, name, "command"))
          .containsExactly("demo-service", name, "--cluster");
      Map<String, String> memberEnv = new HashMap<>();
      ((Map<String, Object>) at(services, name, "environment"))
          .forEach((k, v) -> memberEnv.put(k, String.valueOf(v)));
      GatewayConfig member = new ConfigLoader(memberEnv).parse("", name);
      assertThat(member.eventBus().host()).isEqualTo(name);
      assertThat(member.eventBus().members())
          .containsExactlyInAnyOrderElementsOf(c.eventBus().members())
          .contains("tracegate", name);
    }

    // each demo service listens where the gateway's upstream URL points, on every interface (the
    // demo-service default) so that the gateway's container reaches it
    for (String name : c.upstreams().keySet()) {
      List<String> command = at(services, name, "command");
      int port = c.upstreams().get(name).urls().get(0).getPort();
      assertThat(c.upstreams().get(name).urls().get(0).getHost()).isEqualTo(name);
      assertThat(command)
          .startsWith("demo-service", name, "--port", Integer.toString(port))
          .doesNotContain("--host");
    }
    assertThat((List<String>) at(services, "lab", "command"))
        .containsSequence("--gateway", "http://tracegate:8080");
  }

  /**
   * Jaeger's Monitor tab needs, end to end: the traces pipeline feeding the spanmetrics connector,
   * its metrics exported for Prometheus, Prometheus scraping them, Jaeger's query reading them back
   * from that Prometheus, and the UI's monitor menu on.
   */
  @Test
  void composeWiresJaegersMonitorTabFromSpansToPrometheusAndBack() throws Exception {
    Map<String, Object> services = at(yaml("docker-compose.yml"), "services");
    Map<String, Object> jaeger = at(services, "jaeger");
    Map<String, String> mounts = new HashMap<>();
    for (String volume : (List<String>) jaeger.get("volumes")) {
      String[] parts = volume.split(":");
      assertThat(Path.of(parts[0])).as(volume).isRegularFile();
      mounts.put(parts[1], parts[0]);
    }
    List<String> command = (List<String>) jaeger.get("command");
    assertThat(command).hasSize(2).startsWith("--config");
    Map<String, Object> config = yaml(mounts.get(command.get(1)));

    assertThat((List<String>) at(config, "service", "pipelines", "traces", "receivers"))
        .contains("otlp");
    assertThat((List<String>) at(config, "service", "pipelines", "traces", "exporters"))
        .contains("jaeger_storage_exporter", "spanmetrics");
    assertThat(
            (List<String>) at(config, "service", "pipelines", "metrics/spanmetrics", "receivers"))
        .containsExactly("spanmetrics");
    assertThat(
            (List<String>) at(config, "service", "pipelines", "metrics/spanmetrics", "exporters"))
        .containsExactly("prometheus");
    assertThat((Map<String, Object>) at(config, "connectors")).containsKey("spanmetrics");
    assertThat((String) at(config, "receivers", "otlp", "protocols", "grpc", "endpoint"))
        .isEqualTo("0.0.0.0:4317");
    assertThat((String) at(config, "receivers", "otlp", "protocols", "http", "endpoint"))
        .isEqualTo("0.0.0.0:4318");
    String metricsPort = ((String) at(config, "exporters", "prometheus", "endpoint")).split(":")[1];

    Map<String, Object> prometheus = at(services, "prometheus");
    assertThat((String) prometheus.get("image")).matches("prom/prometheus:v\\d+\\.\\d+\\.\\d+");
    String promFile = ((List<String>) prometheus.get("volumes")).get(0).split(":")[0];
    List<Map<String, Object>> jobs = at(yaml(promFile), "scrape_configs");
    List<String> targets =
        jobs.stream()
            .flatMap(j -> ((List<String>) at(j, "static_configs", "0", "targets")).stream())
            .toList();
    assertThat(targets).contains("jaeger:" + metricsPort, "tracegate:9090");

    String metricsStore = at(config, "extensions", "jaeger_query", "storage", "metrics");
    assertThat(
            (String)
                at(
                    config,
                    "extensions",
                    "jaeger_storage",
                    "metric_backends",
                    metricsStore,
                    "prometheus",
                    "endpoint"))
        .isEqualTo("http://prometheus:9090");
    String traceStore = at(config, "extensions", "jaeger_query", "storage", "traces");
    assertThat((Map<String, Object>) at(config, "extensions", "jaeger_storage", "backends"))
        .containsKey(traceStore);
    assertThat((String) at(config, "exporters", "jaeger_storage_exporter", "trace_storage"))
        .isEqualTo(traceStore);

    String ui = mounts.get((String) at(config, "extensions", "jaeger_query", "ui", "config_file"));
    assertThat(
            new io.vertx.core.json.JsonObject(Files.readString(Path.of(ui)))
                .getJsonObject("monitor")
                .getBoolean("menuEnabled"))
        .isTrue();
  }

  @Test
  void kubernetesProbesAndPortsAreWhatTheImageServesAndItsConfigLoads() throws Exception {
    Map<String, Object> deployment = yaml("deploy/kubernetes/deployment.yaml");
    Map<String, Object> container = at(deployment, "spec", "template", "spec", "containers", "0");
    Map<String, Integer> ports =
        ((List<Map<String, Object>>) container.get("ports"))
            .stream()
                .collect(
                    Collectors.toMap(
                        p -> (String) p.get("name"), p -> (Integer) p.get("containerPort")));
    assertThat(ports).containsEntry("http", 8080).containsEntry("admin", 9090);
    assertThat((String) at(container, "readinessProbe", "httpGet", "path"))
        .isEqualTo("/health/ready");
    assertThat((String) at(container, "readinessProbe", "httpGet", "port")).isEqualTo("admin");
    assertThat((String) at(container, "livenessProbe", "httpGet", "path"))
        .isEqualTo("/health/live");
    assertThat((List<String>) at(container, "lifecycle", "preStop", "exec", "command"))
        .isNotEmpty();

    String configText = at(yaml("deploy/kubernetes/configmap.yaml"), "data", "tracegate.yaml");
    GatewayConfig c =
        new ConfigLoader(Map.of("TRACEGATE_DATABASE_URL", "postgresql://u:p@db:5432/shop"))
            .parse(configText, "configmap");
    assertThat(c.server().port()).isEqualTo(ports.get("http"));
    assertThat(c.admin().port()).isEqualTo(ports.get("admin"));
    assertThat(c.admin().host()).isEqualTo("0.0.0.0");
    int grace = at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds");
    assertThat((long) grace)
        .isGreaterThan(
            c.server().shutdownGrace().toSeconds()
                + c.telemetry().batch().exportTimeout().toSeconds());

    Map<String, Object> service = yaml("deploy/kubernetes/service.yaml");
    assertThat((String) at(service, "spec", "ports", "0", "targetPort")).isEqualTo("http");
    assertThat(((List<?>) at(service, "spec", "ports"))).hasSize(1);
    // the admin port is reachable from the monitoring namespace only; the gateway port from
    // anywhere
    Map<String, Object> policy = yaml("deploy/kubernetes/networkpolicy.yaml");
    assertThat((Map<String, Object>) at(policy, "spec", "podSelector", "matchLabels"))
        .isEqualTo(at(deployment, "spec", "template", "metadata", "labels"));
    List<Map<String, Object>> rules = at(policy, "spec", "ingress");
    for (Map<String, Object> rule : rules) {
      List<Map<String, Object>> rulePorts = (List<Map<String, Object>>) rule.get("ports");
      boolean admin = rulePorts.stream().anyMatch(p -> Integer.valueOf(9090).equals(p.get("port")));
      assertThat(rule.containsKey("from"))
          .as("a rule %s the admin port names who may reach it", admin ? "for" : "without")
          .isEqualTo(admin);
    }
    assertThat(rules)
        .anyMatch(
            r ->
                ((List<Map<String, Object>>) r.get("ports"))
                    .stream()
                        .anyMatch(p -> Integer.valueOf(ports.get("http")).equals(p.get("port"))));

    Map<String, Object> hpa = yaml("deploy/kubernetes/hpa.yaml");
    assertThat((String) at(hpa, "spec", "scaleTargetRef", "name"))
        .isEqualTo(at(deployment, "metadata", "name"));
  }
}
