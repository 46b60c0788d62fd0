package chatapp.cluster;

import chatapp.bus.SharedJson;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.Arrays;

/**
 * Clustered mode from the {@code cluster} configuration slice: a Vert.x cluster on Hazelcast, so
 * the event bus and the shared maps (presence) span the nodes. Discovery is a TCP/IP member list
 * (loopback for local use, host names in production), multicast, or Kubernetes (Hazelcast's own
 * discovery by service name), chosen by {@code cluster.join}.
 */
public final class Cluster {

  private Cluster() {
  }

  public static Future<Vertx> start(VertxOptions options, JsonObject cluster) {
    Config hz = ConfigUtil.loadConfig(); // vertx-hazelcast's defaults: the maps the event bus needs
    hz.setClusterName(cluster.getString("name"));
    hz.getNetworkConfig().setPort(cluster.getInteger("hazelcastPort")).setPortAutoIncrement(true);
    String host = cluster.getString("host");
    if (host.matches("[0-9.]+")) {
      // An address: bind Hazelcast to it (loopback for local clusters). A name (a container's) is
      // left to Hazelcast's own choice of interface, and still names this node on the event bus.
      hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host);
    }
    hz.setProperty("hazelcast.logging.type", "slf4j");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    switch (cluster.getString("join")) {
      case "tcp" -> join.getTcpIpConfig().setEnabled(true)
        .setMembers(Arrays.stream(cluster.getString("members").split(",")).map(String::trim).toList());
      case "multicast" -> join.getMulticastConfig().setEnabled(true);
      case "kubernetes" -> join.getKubernetesConfig().setEnabled(true)
        .setProperty("service-name", cluster.getString("kubernetesService"));
      default -> throw new IllegalArgumentException("cluster.join must be tcp, multicast or kubernetes, got " + cluster.getString("join"));
    }
    options.getEventBusOptions().setHost(host).setPort(cluster.getInteger("eventBusPort"));
    return Vertx.builder().with(options).withClusterManager(new OnePerNodeRegistrations(new HazelcastClusterManager(hz))).buildClustered()
      // Room messages travel with it: a member without it could not read them.
      .onSuccess(SharedJson::register);
  }
}
