package chatapp.chat.notify;

import chatapp.bus.Addresses;
import chatapp.proto.chat.ChatServiceGrpcService;
import chatapp.proto.chat.NotificationRequest;
import chatapp.testing.Eventually;
import chatapp.testing.SilencingProxy;
import chatapp.testing.TestConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.server.GrpcServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The presence stream's keepalive against a peer that goes silent without closing anything: a TCP
 * proxy in front of a gRPC server stops forwarding in both directions but keeps its sockets open,
 * as a crashed host or a dropped route does ({@link SilencingProxy}). Only an unanswered PING can
 * reveal that.
 */
class PresenceKeepAliveTest {

  private final Vertx vertx = Vertx.vertx();
  /** Streams the server accepted, and PINGs it answered. */
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger pings = new AtomicInteger();
  /** What each stream carried, by stream number (1, 2, ...). */
  private final Map<Integer, List<NotificationRequest>> carried = new ConcurrentHashMap<>();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private int server() {
    GrpcServer grpc = GrpcServer.server(vertx).callHandler(ChatServiceGrpcService.StreamNotifications, req -> {
      List<NotificationRequest> mine = carried.computeIfAbsent(streams.incrementAndGet(), n -> new CopyOnWriteArrayList<>());
      req.response().writeHead();
      req.handler(mine::add);
    });
    HttpServer server = vertx.createHttpServer()
      .connectionHandler(connection -> connection.pingHandler(ping -> pings.incrementAndGet()))
      .requestHandler(grpc).listen(0, "127.0.0.1").await();
    return server.actualPort();
  }

  @Test
  @DisplayName("a user who connects while the stream is silently dead is announced as new on the next stream, so he gets his pending notifications")
  void connectsIntoASilentStreamAreAnnouncedAgain() {
    SilencingProxy proxy = SilencingProxy.start(vertx, server());
    deployThrough(proxy);
    // Before the silence: one user, whose "connected" the service got and a PING confirmed.
    connected("early");
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(carried.getOrDefault(1, List.of()).size()), n -> n == 1);
    // Two more PINGs reach the server: the node sends one only once the one before was answered, so
    // an answer to a PING sent after the connect is back at the node.
    int before = pings.get();
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(pings.get()), n -> n > before + 1);

    // The route drops; a user connects before the node notices: his "connected" goes nowhere.
    proxy.silenceAll();
    connected("late");
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(carried.getOrDefault(2, List.of()).size()), n -> n == 2);
    Map<String, Boolean> resync = new HashMap<>();
    carried.get(2).forEach(r -> resync.put(r.getUserId(), r.getResync()));
    assertEquals(Map.of("early", true, "late", false), resync,
      "the service had the early one; the late one is new to it, and it must answer his pending notifications");
  }

  /** The chat node's presence stream, through {@code proxy}: PINGs every 100 ms, answered within 300, reopened within 200. */
  private void deployThrough(SilencingProxy proxy) {
    vertx.deployVerticle(new PresenceStreamVerticle(), new DeploymentOptions().setConfig(TestConfig.create(Map.of(
      "NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + proxy.port(),
      "NOTIFICATION_SERVICE_KEEP_ALIVE_MS", "100",
      "NOTIFICATION_SERVICE_KEEP_ALIVE_TIMEOUT_MS", "300",
      "NOTIFICATION_SERVICE_RETRY_INITIAL_BACKOFF_MS", "50",
      "NOTIFICATION_SERVICE_RETRY_MAX_BACKOFF_MS", "200")))).await();
  }

  private void connected(String userId) {
    vertx.runOnContext(v -> vertx.eventBus().publish(Addresses.PRESENCE_CHANGED,
      new JsonObject().put("userId", userId).put("status", "connected")));
  }

  @Test
  @DisplayName("a peer that goes silent without closing is noticed by an unanswered PING, and the stream reopens")
  void silentPeerIsNoticed() {
    SilencingProxy proxy = SilencingProxy.start(vertx, server());
    deployThrough(proxy);

    // A peer that answers keeps its stream: PINGs flow and nothing is reopened.
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(pings.get()), n -> n >= 5);
    assertEquals(1, streams.get());
    assertEquals(1, proxy.connections.get());

    proxy.silenceAll();
    // The chat side gives up on the silent connection itself (nothing else would close it)...
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(proxy.closedByClient.get()), n -> n == 1);
    // ...and opens a new stream, which the server sees.
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(streams.get()), n -> n == 2);
    assertEquals(2, proxy.connections.get());
  }
}
