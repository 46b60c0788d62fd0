package chatapp.chat.notify;

import chatapp.proto.chat.ChatServiceGrpcService;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.grpc.server.GrpcServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The presence stream's keepalive against a peer that goes silent without closing anything: a TCP
 * proxy in front of a gRPC server stops forwarding in both directions but keeps its sockets open,
 * as a crashed host or a dropped route does. Only an unanswered PING can reveal that.
 */
class PresenceKeepAliveTest {

  private final Vertx vertx = Vertx.vertx();
  /** Streams the server accepted, and PINGs it answered. */
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger pings = new AtomicInteger();
  /** Proxied connections, and those the chat side closed itself. */
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger closedByClient = new AtomicInteger();
  /** Client sockets whose traffic the proxy swallows. */
  private final Set<NetSocket> silenced = ConcurrentHashMap.newKeySet();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private int server() {
    GrpcServer grpc = GrpcServer.server(vertx).callHandler(ChatServiceGrpcService.StreamNotifications, req -> {
      streams.incrementAndGet();
      req.response().writeHead();
      req.handler(update -> { });
    });
    HttpServer server = vertx.createHttpServer()
      .connectionHandler(connection -> connection.pingHandler(ping -> pings.incrementAndGet()))
      .requestHandler(grpc).listen(0, "127.0.0.1").await();
    return server.actualPort();
  }

  /** A TCP proxy to {@code port} that forwards until a socket is silenced, then drops its bytes. */
  private int proxy(int port) {
    NetClient client = vertx.createNetClient();
    NetServer proxy = vertx.createNetServer().connectHandler(in -> {
      connections.incrementAndGet();
      open.add(in);
      in.pause();
      client.connect(port, "127.0.0.1").onSuccess(out -> {
        in.handler(b -> {
          if (!silenced.contains(in)) {
            out.write(b);
          }
        });
        out.handler(b -> {
          if (!silenced.contains(in)) {
            in.write(b);
          }
        });
        in.closeHandler(v -> {
          open.remove(in);
          if (silenced.contains(in)) {
            closedByClient.incrementAndGet();
          }
          out.close();
        });
        in.resume();
      });
    }).listen(0, "127.0.0.1").await();
    return proxy.actualPort();
  }

  @Test
  @DisplayName("a peer that goes silent without closing is noticed by an unanswered PING, and the stream reopens")
  void silentPeerIsNoticed() {
    int proxy = proxy(server());
    vertx.deployVerticle(new PresenceStreamVerticle(), new DeploymentOptions().setConfig(TestConfig.create(Map.of(
      "NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + proxy,
      "NOTIFICATION_SERVICE_KEEP_ALIVE_MS", "100",
      "NOTIFICATION_SERVICE_KEEP_ALIVE_TIMEOUT_MS", "300",
      "NOTIFICATION_SERVICE_RETRY_INITIAL_BACKOFF_MS", "50",
      "NOTIFICATION_SERVICE_RETRY_MAX_BACKOFF_MS", "200")))).await();

    // A peer that answers keeps its stream: PINGs flow and nothing is reopened.
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(pings.get()), n -> n >= 5);
    assertEquals(1, streams.get());
    assertEquals(1, connections.get());

    silenced.addAll(open);
    // The chat side gives up on the silent connection itself (nothing else would close it)...
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(closedByClient.get()), n -> n == 1);
    // ...and opens a new stream, which the server sees.
    Eventually.get(vertx, Duration.ofSeconds(20), () -> Future.succeededFuture(streams.get()), n -> n == 2);
    assertEquals(2, connections.get());
  }
}
