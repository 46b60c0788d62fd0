package chatapp.cluster;

import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import chatapp.bus.ChatMessage;
import chatapp.chat.gateway.RoomFeedRelayVerticle;
import chatapp.chat.presence.Presence;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.chat.store.Schema;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.ListNotificationsRequest;
import chatapp.proto.notification.Notification;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import chatapp.testing.BridgeClient;
import chatapp.testing.Eventually;
import chatapp.testing.Frames;
import chatapp.testing.LocalCluster;
import chatapp.testing.MainProcess;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.WebClient;
import io.vertx.grpc.client.GrpcClient;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import com.hazelcast.core.Hazelcast;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two chat nodes in JVMs of their own, clustered on Hazelcast over loopback, and the notification
 * service in a third, sharing the real Kafka and CQL database. Users talk to the nodes as browsers
 * do, over the SockJS bridge's WebSocket and the REST API. This JVM joins the cluster as one more
 * member to watch the event bus and Hazelcast's registration map. The SIGKILL test runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static LocalCluster cluster;
  private static List<MainProcess> nodes;
  private static List<Integer> httpPorts;
  private static SocketAddress notificationAddress;
  private static Vertx observer;
  private static Auth auth;
  private static WebClient web;
  private static GrpcClient grpc;
  private static RoomStore rooms;
  private static MessageStore messages;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalCluster.start(2, Map.of("AUTH_HMAC_SECRET", "cluster-test-secret"));
    nodes = cluster.nodes;
    httpPorts = cluster.httpPorts;
    notificationAddress = GrpcAddresses.parse(cluster.notificationAddress);
    observer = cluster.join();
    // Rooms' feeds reach a member through its relay, as on a chat node.
    observer.deployVerticle(new RoomFeedRelayVerticle()).await();
    JsonObject cql = cluster.config.getJsonObject("cql");
    CassandraClient observerCql = Cql.client(observer, cql);
    Schema.ensure(observerCql, cql).await(); // the nodes made it; this connects the client first
    rooms = RoomStore.create(observerCql, cql).await();
    messages = MessageStore.create(observerCql, cql).await();
    auth = Auth.create(observer, cluster.config.getJsonObject("auth"));
    web = WebClient.create(observer);
    grpc = GrpcClient.client(observer);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
    if (observer != null) {
      observer.close().await();
    }
  }

  /** A new room of {@code creator}, which {@code others} joined. */
  private static String room(String creator, String... others) {
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "cluster", creator, Instant.now())).await();
    for (String other : others) {
      rooms.join(roomId, other).await();
    }
    return roomId;
  }

  /** Sends through whichever node's producer the clustered bus picks; returns the ack, or null on failure. */
  private static JsonObject send(String roomId, String senderId, String body) {
    try {
      return observer.eventBus().<JsonObject>request(Addresses.SEND,
        new JsonObject().put("roomId", roomId).put("senderId", senderId).put("body", body),
        new DeliveryOptions().setSendTimeout(3_000)).await().body();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A user's WebSocket on node {@code node}, registered for {@code address} once the gateway says it is live. */
  private static BridgeClient joined(int node, String user, String address, JsonObject headers) {
    return BridgeClient.connect(observer, httpPorts.get(node), auth.issue(user)).await().join(address, headers, WAIT);
  }

  private static BridgeClient joined(int node, String user, String address) {
    return joined(node, user, address, new JsonObject());
  }

  private static List<String> ids(List<JsonObject> frames) {
    return Frames.messageIds(frames);
  }

  /** Whether node {@code node}'s members listing says {@code user} is online, asked as {@code asker}. */
  private static Future<Boolean> onlineAccordingTo(int node, String asker, String roomId, String user) {
    return web.get(httpPorts.get(node), "127.0.0.1", "/api/rooms/" + roomId + "/members")
      .bearerTokenAuthentication(auth.issue(asker)).send()
      .map(r -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        JsonArray members = r.bodyAsJsonObject().getJsonArray("members");
        return members.stream().map(JsonObject.class::cast)
          .anyMatch(m -> user.equals(m.getString("userId")) && m.getBoolean("online"));
      });
  }

  /** Entries for {@code address} in Hazelcast's registration map: what every member is told about. */
  private static int clusterRegistrations(String address) {
    return Hazelcast.getAllHazelcastInstances().iterator().next().getMultiMap("__vertx.subs").valueCount(address);
  }

  @Test
  @Order(1)
  @DisplayName("messages accepted by either node reach a subscriber on another member of the cluster once each, in order")
  void crossNodeDelivery() {
    String roomId = room("ann");
    List<String> live = new CopyOnWriteArrayList<>();
    observer.eventBus().consumer(Addresses.roomFeed(roomId), m -> FeedEvents.split(m.body())
      .forEach(event -> live.add(((JsonObject) event).getString("messageId")))).completion().await();
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      JsonObject ack = send(roomId, "ann", "m" + i);
      assertTrue(ack != null, "both nodes are up: every send is acknowledged");
      acked.add(ack.getString("messageId"));
    }
    Eventually.get(observer, Duration.ofSeconds(30), () -> Future.succeededFuture(live.size()), n -> n >= acked.size());
    assertEquals(acked, live, "once each, in the order they were acknowledged");
  }

  @Test
  @Order(1)
  @DisplayName("on a busy room, a socket's first frame on the room's address is \"registered\"")
  void registeredComesFirst() {
    String roomId = room("ann", "bob");
    String address = Addresses.room(roomId);
    // The room's feed carries an event a millisecond while sockets register: in a cluster the
    // bridge's own registration takes a round trip to Hazelcast after the room's feed is live.
    long publisher = observer.setPeriodic(1, t -> FeedEvents.publish(observer, roomId,
      new JsonObject().put("type", "presence").put("userId", "carol").put("status", "online")));
    try {
      for (int i = 0; i < 10; i++) {
        try (BridgeClient bob = joined(i % 2, "bob", address)) {
          List<JsonObject> onRoom = bob.frames.matching(f -> address.equals(f.getString("address")));
          assertEquals("registered", onRoom.get(0).getJsonObject("body").getString("type"),
            "the first frame on the room's address, of " + onRoom.size());
        }
      }
    } finally {
      observer.cancelTimer(publisher);
    }
  }

  @Test
  @Order(2)
  @DisplayName("users on different nodes chat over sockets: each gets every message once, in order; presence spans the nodes; the offline member is notified")
  void socketsAcrossNodes() {
    String alice = "alice-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String carol = "carol-" + UUID.randomUUID();
    String roomId = room(alice, bob, carol);
    String address = Addresses.room(roomId);
    try (BridgeClient onFirst = joined(0, alice, address); BridgeClient onSecond = joined(1, bob, address)) {
      // Presence spans the nodes: node 1 knows bob, who is connected to node 2, is online, and carol is not.
      Eventually.get(observer, WAIT, () -> onlineAccordingTo(0, alice, roomId, bob), online -> online);
      assertFalse(onlineAccordingTo(0, alice, roomId, carol).await(), "carol has no socket anywhere");

      List<String> acked = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        JsonObject reply = onFirst.request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", roomId).put("body", "hello " + i));
        assertEquals("rec", reply.getString("type"), () -> "not acknowledged: " + reply);
        acked.add(reply.getJsonObject("body").getString("messageId"));
      }
      assertEquals(acked, ids(onSecond.frames.awaitCount(Frames.messageOn(address), 20, WAIT)), "bob, on the other node: once each, in order");
      assertEquals(acked, ids(onFirst.frames.awaitCount(Frames.messageOn(address), 20, WAIT)), "alice, the sender: once each, in order");

      // Carol, offline on every node, is handed to the notification service: one notification saying 20.
      Notification n = Eventually.get(observer, WAIT, () -> UnaryCall.call(observer, grpc, notificationAddress,
          NotificationServiceGrpcClient.ListNotifications, ListNotificationsRequest.newBuilder().setUserId(carol).build(), 5000, Map.of())
        .map(r -> r.getNotificationsCount() == 0 ? null : r.getNotifications(0)), x -> x != null && x.getCount() == 20);
      assertEquals("hello 19", n.getLatestPreview());
      assertEquals(roomId, n.getRoomId());

      // Carol connects to node 1: its presence stream tells the service, which sends her what is pending.
      BridgeClient carolOnFirst = joined(0, carol, Addresses.user(carol));
      JsonObject pushed = carolOnFirst.frames.await(f -> Addresses.user(carol).equals(f.getString("address"))
        && f.getValue("body") instanceof JsonObject b && "notifications".equals(b.getString("type")), WAIT);
      JsonObject item = pushed.getJsonObject("body").getJsonArray("items").getJsonObject(0);
      assertEquals(roomId, item.getString("roomId"));
      assertEquals(20, item.getInteger("count"));
      Eventually.get(observer, WAIT, ClusterTest::onlineAtNotificationService, users -> users == 3);

      // Then to node 2, leaves node 1, leaves node 2: the service's view follows the cluster's, so she
      // ends offline there too (not held online by the node she left first).
      BridgeClient carolOnSecond = joined(1, carol, Addresses.user(carol));
      Eventually.get(observer, WAIT, () -> observer.sharedData().<String, JsonObject>getAsyncMap(Presence.MAP)
        .compose(map -> map.get(carol)), held -> held != null && held.size() == 2); // both nodes hold her now
      carolOnFirst.close();
      carolOnSecond.close();
      Eventually.get(observer, WAIT, ClusterTest::onlineAtNotificationService, users -> users == 2);
    }
  }

  /** The users the notification service holds online, from its metrics. */
  private static Future<Integer> onlineAtNotificationService() {
    SocketAddress at = notificationAddress;
    return web.get(at.port(), at.host(), "/metrics").send().map(r -> r.bodyAsString().lines()
      .filter(l -> l.startsWith("chat_notifications_online_users"))
      .map(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
      .findFirst().orElseThrow(() -> new AssertionError("no online gauge in the notification service's metrics")));
  }

  @Test
  @Order(3)
  @DisplayName("a socket's sends go through its own node: a retried clientMsgId stays one message, pipelined sends keep their order")
  void aSocketsSendsStayOnItsNode() {
    String alice = "alice-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String roomId = room(alice, bob);
    String address = Addresses.room(roomId);
    try (BridgeClient onFirst = joined(0, alice, address); BridgeClient onSecond = joined(1, bob, address)) {
      // A client that got no ack sends again with the same id; both nodes run a producer, and only
      // the one that saw the first attempt knows the id.
      JsonObject retried = new JsonObject().put("roomId", roomId).put("body", "once").put("clientMsgId", "retry-" + UUID.randomUUID());
      Set<String> ids = new LinkedHashSet<>();
      for (int i = 0; i < 4; i++) {
        JsonObject reply = onFirst.request(Addresses.CLIENT_SEND, retried);
        assertEquals("rec", reply.getString("type"), () -> "not acknowledged: " + reply);
        ids.add(reply.getJsonObject("body").getString("messageId"));
      }
      assertEquals(1, ids.size(), () -> "one message id for four attempts, got " + ids);
      // Sends written one after the other without waiting for acks reach the room in that order.
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        replies.add(onFirst.sendAsync(Addresses.CLIENT_SEND, new JsonObject().put("roomId", roomId).put("body", "p" + i)));
      }
      List<String> acked = new ArrayList<>(ids);
      for (String reply : replies) {
        acked.add(onFirst.frames.await(f -> reply.equals(f.getString("address")), WAIT).getJsonObject("body").getString("messageId"));
      }
      List<JsonObject> got = onSecond.frames.awaitCount(Frames.messageOn(address), 21, WAIT);
      assertEquals(acked, ids(got), "bob gets the retried message once, then the pipelined ones in the order written");
      assertEquals("p19", got.get(20).getJsonObject("body").getString("body"));
    }
  }

  @Test
  @Order(4)
  @DisplayName("a user connected to both nodes gets each of his notifications once on each socket, in order")
  void notificationsOncePerSocketAcrossNodes() {
    String dan = "dan-" + UUID.randomUUID();
    String roomId = "room-" + UUID.randomUUID();
    try (BridgeClient onFirst = joined(0, dan, Addresses.user(dan)); BridgeClient onSecond = joined(1, dan, Addresses.user(dan))) {
      // Both nodes' presence streams report him to the service, which pushes on each.
      Eventually.get(observer, WAIT, () -> observer.sharedData().<String, JsonObject>getAsyncMap(Presence.MAP)
        .compose(map -> map.get(dan)), held -> held != null && held.size() == 2);
      Eventually.get(observer, WAIT, ClusterTest::onlineAtNotificationService, users -> users >= 1);
      NotificationServiceGrpcClient notifications = NotificationServiceGrpcClient.create(grpc, notificationAddress);
      List<Integer> expected = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        notifications.notifyOfflineUsers(OfflineUserRequest.newBuilder().addUserIds(dan).setRoomId(roomId)
          .setMessage("n" + i).setMessageId(Uuids.timeBased().toString()).build()).await();
        expected.add(i);
        for (BridgeClient socket : List.of(onFirst, onSecond)) {
          socket.frames.await(f -> countsFor(List.of(f), roomId).contains(expected.size()), WAIT);
        }
      }
      // Each node passed the service's push to its own sockets only: one copy each, counts 1, 2, 3.
      assertEquals(expected, countsFor(onFirst.frames.all(), roomId), "the socket on node 1");
      assertEquals(expected, countsFor(onSecond.frames.all(), roomId), "the socket on node 2");
    }
  }

  /** The room's counts in the notification frames among {@code frames}, in order of arrival. */
  private static List<Integer> countsFor(List<JsonObject> frames, String roomId) {
    return frames.stream()
      .filter(f -> f.getValue("body") instanceof JsonObject b && "notifications".equals(b.getString("type")))
      .flatMap(f -> f.getJsonObject("body").getJsonArray("items").stream().map(JsonObject.class::cast))
      .filter(item -> roomId.equals(item.getString("roomId")))
      .map(item -> item.getInteger("count"))
      .toList();
  }

  @Test
  @Order(5)
  @DisplayName("sockets do not become cluster registrations: ten sockets of a room on one node are one entry in the cluster's map (vert.x 3797)")
  void registrationsGrowWithNodesNotSockets() {
    String alice = "alice-" + UUID.randomUUID();
    String roomId = room(alice);
    String address = Addresses.room(roomId);
    List<BridgeClient> sockets = new ArrayList<>();
    try {
      sockets.add(joined(0, alice, address));
      for (int i = 0; i < 10; i++) {
        sockets.add(joined(1, alice, address));
      }
      assertEquals(2, clusterRegistrations(address), "one per node that has sockets for the room, not one per socket");
      // The count is per node, not a cap: every socket still gets the room's messages.
      JsonObject reply = sockets.get(0).request(Addresses.CLIENT_SEND, new JsonObject().put("roomId", roomId).put("body", "to all"));
      String id = reply.getJsonObject("body").getString("messageId");
      for (BridgeClient s : sockets) {
        assertEquals(List.of(id), ids(s.frames.awaitCount(Frames.messageOn(address), 1, WAIT)));
      }
      // Closing all but one of node 2's sockets keeps its registration; closing the last removes it.
      while (sockets.size() > 2) {
        sockets.remove(1).close();
      }
      assertEquals(2, clusterRegistrations(address));
      sockets.remove(1).close();
      Eventually.get(observer, WAIT, () -> Future.succeededFuture(clusterRegistrations(address)), n -> n == 1);
    } finally {
      sockets.forEach(BridgeClient::close);
    }
  }

  @Test
  @Order(6)
  @DisplayName("a SIGKILLed node loses nothing acknowledged; its user goes offline within 10 s, reconnects to the survivor and recovers what he missed")
  void killedNodeLosesNothing() {
    String ann = "ann-" + UUID.randomUUID();
    String bob = "bob-" + UUID.randomUUID();
    String roomId = room(ann, bob);
    String address = Addresses.room(roomId);
    Set<String> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicLong bobOfflineAt = new java.util.concurrent.atomic.AtomicLong();
    observer.eventBus().consumer(Addresses.roomFeed(roomId), m -> FeedEvents.split(m.body()).forEach(body -> {
      JsonObject event = (JsonObject) body;
      if ("message".equals(event.getString("type"))) {
        live.add(event.getString("messageId"));
      } else if (bob.equals(event.getString("userId")) && "offline".equals(event.getString("status"))) {
        bobOfflineAt.compareAndSet(0, System.nanoTime());
      }
    })).completion().await();
    BridgeClient bobOnDoomed = joined(0, bob, address);
    Eventually.get(observer, WAIT, () -> onlineAccordingTo(1, ann, roomId, bob), online -> online);

    List<String> acked = new ArrayList<>();
    String lastSeenByBob = null;
    long killedAt = 0;
    int attempts = 0;
    while (acked.size() < 120 && attempts < 400) {
      attempts++;
      if (acked.size() == 40 && killedAt == 0) {
        List<String> seen = ids(bobOnDoomed.frames.awaitCount(Frames.messageOn(address), 40, WAIT));
        assertEquals(acked, seen, "bob saw the first 40 before his node died");
        lastSeenByBob = seen.get(39);
        nodes.get(0).kill();
        killedAt = System.nanoTime();
      }
      JsonObject ack = send(roomId, ann, "k" + attempts);
      if (ack != null && !acked.contains(ack.getString("messageId"))) {
        acked.add(ack.getString("messageId"));
      }
    }
    assertEquals(120, acked.size(), "the survivor keeps accepting messages");

    // Presence converges: the survivor tells the room bob is gone, and lists him offline.
    long killed = killedAt;
    Eventually.get(observer, WAIT, () -> Future.succeededFuture(bobOfflineAt.get()), t -> t != 0);
    double seconds = (bobOfflineAt.get() - killed) / 1e9;
    System.out.printf("presence converged %.1f s after the SIGKILL%n", seconds);
    assertTrue(seconds <= 10, "the dead node's user must be offline within 10 s, took " + seconds + " s");
    assertFalse(onlineAccordingTo(1, ann, roomId, bob).await(), "the survivor lists bob offline");

    // Bob reconnects to the survivor with the last message he saw, and gets the rest: no gap, no duplicate.
    try (BridgeClient bobBack = joined(1, bob, address, new JsonObject().put("lastMessageId", lastSeenByBob))) {
      List<String> missed = acked.subList(40, acked.size());
      List<String> recovered = Eventually.get(observer, WAIT,
        () -> Future.succeededFuture(ids(bobBack.frames.matching(Frames.messageOn(address)))), got -> got.containsAll(missed));
      assertEquals(recovered.size(), new LinkedHashSet<>(recovered).size(), "no message twice");
      assertEquals(missed, recovered.stream().filter(missed::contains).toList(), "in the order they were acknowledged");
    }

    Eventually.get(observer, Duration.ofSeconds(60), () -> messages.newest(roomId, 500),
      stored -> stored.stream().map(m -> m.messageId().toString()).toList().containsAll(acked));
    Eventually.get(observer, WAIT, () -> Future.succeededFuture(live), l -> l.containsAll(acked));
    List<ChatMessage> stored = messages.newest(roomId, 500).await();
    assertEquals(stored.size(), stored.stream().map(ChatMessage::messageId).distinct().count(), "stored once each");
  }
}
