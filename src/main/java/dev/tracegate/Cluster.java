package dev.tracegate;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.tracegate.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Joining a Vert.x cluster for {@code eventBus.cluster}: Hazelcast with vertx-hazelcast's own map
 * settings, TCP/IP join with the configured members (no multicast, which loopback and most
 * container networks do not carry), bound to {@code eventBus.host}; the event bus listens there too
 * on a free port. Shared by the gateway and the demo's clustered bus services.
 */
public final class Cluster {
  static final String CLUSTER_NAME = "tracegate";

  private Cluster() {}

  /** Builds {@code builder}'s Vert.x, clustered when {@code config.cluster()}. */
  public static Future<Vertx> build(VertxBuilder builder, GatewayConfig.EventBus config) {
    if (!config.cluster()) {
      return Future.succeededFuture(builder.build());
    }
    return builder
        .withClusterManager(new HazelcastClusterManager(hazelcast(config)))
        .buildClustered();
  }

  /** The event bus's own address for {@code options}. */
  public static EventBusOptions eventBusOptions(GatewayConfig.EventBus config) {
    return new EventBusOptions()
        .setHost(config.host())
        .setPort(0)
        .setClusterPublicHost(config.host());
  }

  static Config hazelcast(GatewayConfig.EventBus config) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(CLUSTER_NAME);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty(
        "hazelcast.shutdownhook.enabled", "false"); // tracegate's own shutdown leaves the cluster
    // members started at the same moment may each form a cluster of one; merge them within seconds,
    // not Hazelcast's default five minutes
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(5701).setPortAutoIncrement(true);
    network.setPublicAddress(config.host());
    if (config.host().matches("[0-9.]+")) {
      network.getInterfaces().setEnabled(true).addInterface(config.host());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.members());
    return hz;
  }
}
