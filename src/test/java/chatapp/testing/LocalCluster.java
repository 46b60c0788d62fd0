package chatapp.testing;

import chatapp.cluster.Cluster;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A chat cluster on loopback, as an operator runs it: the notification service and {@code n}
 * clustered chat nodes, each in a JVM of its own (see {@link MainProcess}), on the shared test
 * stack's Kafka and CQL database. The JVM that builds it can join as one more member
 * ({@link #join()}) to watch the event bus and Hazelcast's maps.
 */
public final class LocalCluster implements AutoCloseable {

  /** The configuration every process shares: this JVM's view of it (ports, keyspace, signing key). */
  public final JsonObject config;
  public final List<MainProcess> nodes = new ArrayList<>();
  /** The HTTP port (API, SockJS bridge) of each chat node, in {@link #nodes} order. */
  public final List<Integer> httpPorts = new ArrayList<>();
  public final String notificationAddress;
  public final MainProcess notification;
  private final int observerHazelcastPort;

  private LocalCluster(int n, Map<String, String> overrides) throws Exception {
    List<Integer> hazelcastPorts = new ArrayList<>();
    for (int i = 0; i <= n; i++) {
      hazelcastPorts.add(TestConfig.freePort());
    }
    Map<String, String> shared = new HashMap<>(overrides);
    shared.putIfAbsent("CLUSTER_NAME", "test-" + UUID.randomUUID());
    shared.put("CLUSTER_MEMBERS", String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
    config = TestConfig.create(shared);

    Map<String, String> env = new HashMap<>(shared);
    env.put("KAFKA_BOOTSTRAP_SERVERS", config.getJsonObject("kafka").getString("bootstrapServers"));
    env.put("KAFKA_TOPIC", config.getJsonObject("kafka").getString("topic"));
    env.put("KAFKA_CONSUMER_GROUP", config.getJsonObject("kafka").getString("consumerGroup"));
    env.put("CQL_CONTACT_POINTS", config.getJsonObject("cql").getString("contactPoints"));
    env.put("CQL_LOCAL_DATACENTER", config.getJsonObject("cql").getString("localDatacenter"));
    env.put("CQL_KEYSPACE", config.getJsonObject("cql").getString("keyspace"));
    int grpcPort = TestConfig.freePort();
    notificationAddress = "127.0.0.1:" + grpcPort;
    env.put("NOTIFICATION_SERVICE_ADDRESS", notificationAddress);

    Map<String, String> service = new HashMap<>(env);
    service.put("GRPC_PORT", String.valueOf(grpcPort));
    service.put("HTTP_PORT", String.valueOf(TestConfig.freePort()));
    notification = MainProcess.start(service, "notification");
    for (int i = 0; i < n; i++) {
      Map<String, String> node = new HashMap<>(env);
      httpPorts.add(TestConfig.freePort());
      node.put("HTTP_PORT", String.valueOf(httpPorts.get(i)));
      node.put("GRPC_PORT", String.valueOf(TestConfig.freePort()));
      node.put("TCP_BRIDGE_HOST", "127.0.0.1");
      node.put("TCP_BRIDGE_PORT", String.valueOf(TestConfig.freePort()));
      node.put("CLUSTER_HAZELCAST_PORT", String.valueOf(hazelcastPorts.get(i)));
      nodes.add(MainProcess.start(node, "--cluster", "chat"));
    }
    observerHazelcastPort = hazelcastPorts.get(n);
  }

  /** Starts the notification service and {@code n} chat nodes, and returns once all are ready. */
  public static LocalCluster start(int n, Map<String, String> overrides) throws Exception {
    LocalCluster cluster = new LocalCluster(n, overrides);
    try {
      cluster.notification.awaitLine(MainProcess.READY, 180);
      for (MainProcess node : cluster.nodes) {
        node.awaitLine(MainProcess.READY, 180);
      }
      return cluster;
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** This JVM as one more member of the cluster (no verticles): the event bus and shared maps span it too. */
  public Vertx join() {
    JsonObject cluster = config.getJsonObject("cluster").copy().put("hazelcastPort", observerHazelcastPort);
    return Cluster.start(new VertxOptions(), cluster).await();
  }

  @Override
  public void close() {
    nodes.forEach(MainProcess::close);
    notification.close();
  }
}
