package chatapp.cluster;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.chat.store.Schema;
import chatapp.testing.Eventually;
import chatapp.testing.MainProcess;
import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two chat nodes in JVMs of their own, clustered on Hazelcast over loopback, sharing the real Kafka
 * and CQL database. This JVM joins the cluster as a third member to watch the event bus.
 */
class ClusterTest {

  private static final List<MainProcess> nodes = new ArrayList<>();
  private static Vertx observer;
  private static JsonObject config;
  private static RoomStore rooms;
  private static MessageStore messages;

  @BeforeAll
  static void startCluster() throws Exception {
    List<Integer> hazelcastPorts = List.of(TestConfig.freePort(), TestConfig.freePort(), TestConfig.freePort());
    String members = String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    Map<String, String> shared = new HashMap<>(Map.of(
      "CLUSTER_NAME", "test-" + UUID.randomUUID(),
      "CLUSTER_MEMBERS", members,
      "AUTH_HMAC_SECRET", "cluster-test-secret"));
    config = TestConfig.create(shared);

    Map<String, String> env = new HashMap<>(shared);
    env.put("KAFKA_BOOTSTRAP_SERVERS", config.getJsonObject("kafka").getString("bootstrapServers"));
    env.put("KAFKA_TOPIC", config.getJsonObject("kafka").getString("topic"));
    env.put("KAFKA_CONSUMER_GROUP", config.getJsonObject("kafka").getString("consumerGroup"));
    env.put("CQL_CONTACT_POINTS", config.getJsonObject("cql").getString("contactPoints"));
    env.put("CQL_LOCAL_DATACENTER", config.getJsonObject("cql").getString("localDatacenter"));
    env.put("CQL_KEYSPACE", config.getJsonObject("cql").getString("keyspace"));
    env.put("NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + TestConfig.freePort());
    for (int i = 0; i < 2; i++) {
      Map<String, String> node = new HashMap<>(env);
      node.put("HTTP_PORT", String.valueOf(TestConfig.freePort()));
      node.put("GRPC_PORT", String.valueOf(TestConfig.freePort()));
      node.put("TCP_BRIDGE_HOST", "127.0.0.1");
      node.put("TCP_BRIDGE_PORT", String.valueOf(TestConfig.freePort()));
      node.put("CLUSTER_HAZELCAST_PORT", String.valueOf(hazelcastPorts.get(i)));
      nodes.add(MainProcess.start(node, "--cluster", "chat"));
    }
    for (MainProcess node : nodes) {
      node.awaitLine(MainProcess.READY, 180);
    }
    JsonObject cluster = config.getJsonObject("cluster").copy().put("hazelcastPort", hazelcastPorts.get(2));
    observer = Cluster.start(new VertxOptions(), cluster).await();
    CassandraClient observerCql = Cql.client(observer, config.getJsonObject("cql"));
    Schema.ensure(observerCql, config.getJsonObject("cql")).await(); // the nodes made it; this connects the client first
    rooms = RoomStore.create(observerCql, config.getJsonObject("cql")).await();
    messages = MessageStore.create(observerCql, config.getJsonObject("cql")).await();
  }

  @AfterAll
  static void stopCluster() {
    nodes.forEach(MainProcess::close);
    if (observer != null) {
      observer.close().await();
    }
  }

  private static String room(String creator) {
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "cluster", creator, Instant.now())).await();
    return roomId;
  }

  /** Sends through whichever node's producer the clustered bus picks; returns the ack, or null on failure. */
  private static JsonObject send(String roomId, String body) {
    try {
      return observer.eventBus().<JsonObject>request(Addresses.SEND,
        new JsonObject().put("roomId", roomId).put("senderId", "ann").put("body", body),
        new DeliveryOptions().setSendTimeout(3_000)).await().body();
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Test
  @DisplayName("messages accepted by either node reach a subscriber on another member of the cluster once each, in order")
  void crossNodeDelivery() {
    String roomId = room("ann");
    List<String> live = new CopyOnWriteArrayList<>();
    observer.eventBus().<JsonObject>consumer(Addresses.room(roomId), m -> live.add(m.body().getString("messageId")))
      .completion().await();
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      JsonObject ack = send(roomId, "m" + i);
      assertTrue(ack != null, "both nodes are up: every send is acknowledged");
      acked.add(ack.getString("messageId"));
    }
    Eventually.get(observer, Duration.ofSeconds(30), () -> Future.succeededFuture(live.size()), n -> n >= acked.size());
    assertEquals(acked, live, "once each, in the order they were acknowledged");
  }

  @Test
  @DisplayName("a SIGKILLed node loses nothing acknowledged: its partitions move to the survivor, which stores and delivers it all")
  void killedNodeLosesNothing() {
    String roomId = room("ann");
    Set<String> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    observer.eventBus().<JsonObject>consumer(Addresses.room(roomId), m -> live.add(m.body().getString("messageId")))
      .completion().await();
    Set<String> acked = new LinkedHashSet<>();
    int attempts = 0;
    while (acked.size() < 120 && attempts < 400) {
      attempts++;
      if (acked.size() == 40 && nodes.get(0).process().isAlive()) {
        nodes.get(0).kill();
      }
      JsonObject ack = send(roomId, "k" + attempts);
      if (ack != null) {
        acked.add(ack.getString("messageId"));
      }
    }
    assertEquals(120, acked.size(), "the survivor keeps accepting messages");
    Eventually.get(observer, Duration.ofSeconds(60), () -> messages.newest(roomId, 500),
      stored -> stored.stream().map(m -> m.messageId().toString()).toList().containsAll(acked));
    Eventually.get(observer, Duration.ofSeconds(30), () -> Future.succeededFuture(live), l -> l.containsAll(acked));
    List<ChatMessage> stored = messages.newest(roomId, 500).await();
    assertEquals(stored.size(), stored.stream().map(ChatMessage::messageId).distinct().count(), "stored once each");
  }
}
