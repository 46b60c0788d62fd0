package chatapp.chat.gateway;

import chatapp.Services;
import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.Room;
import chatapp.chat.store.RoomStore;
import chatapp.testing.TestConfig;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Both services deployed against the shared Kafka and CQL, a known signing key so the test can mint
 * tokens, and the stores to set rooms up and read back what was stored. Every message the fan-out
 * hands to the notifier is recorded (an interceptor watches the bus without taking the messages
 * from the notifier).
 */
final class GatewayFixture implements AutoCloseable {

  final Vertx vertx;
  final JsonObject config;
  final Auth auth;
  final RoomStore rooms;
  final MessageStore messages;
  final int httpPort;
  final int tcpPort;
  private final CassandraClient cql;
  private final List<JsonObject> notified = new ArrayList<>();

  private GatewayFixture(Vertx vertx, JsonObject config, CassandraClient cql, RoomStore rooms, MessageStore messages) {
    this.vertx = vertx;
    this.config = config;
    this.cql = cql;
    this.rooms = rooms;
    this.messages = messages;
    this.auth = Auth.create(vertx, config.getJsonObject("auth"));
    this.httpPort = config.getJsonObject("http").getInteger("port");
    this.tcpPort = config.getJsonObject("tcpBridge").getInteger("port");
  }

  static GatewayFixture start(Map<String, String> env, VertxOptions options) {
    Map<String, String> all = new HashMap<>(env);
    all.put("AUTH_HMAC_SECRET", "gateway-test-signing-key-" + UUID.randomUUID());
    JsonObject config = TestConfig.create(all);
    Vertx vertx = Vertx.vertx(options);
    Services.deploy(vertx, config, Services.ALL).await();
    CassandraClient cql = Cql.client(vertx, config.getJsonObject("cql"));
    GatewayFixture f = new GatewayFixture(vertx, config, cql,
      RoomStore.create(cql, config.getJsonObject("cql")).await(), MessageStore.create(cql, config.getJsonObject("cql")).await());
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (Addresses.NOTIFY_OFFLINE.equals(ctx.message().address()) && ctx.message().body() instanceof JsonObject body) {
        synchronized (f.notified) {
          f.notified.add(body.copy());
        }
      }
      ctx.next();
    });
    return f;
  }

  static GatewayFixture start() {
    return start(Map.of(), new VertxOptions());
  }

  String token(String userId) {
    return auth.issue(userId);
  }

  /** A new room created by {@code creator} with {@code others} as members too; returns its id. */
  String room(String creator, String... others) {
    String roomId = "room-" + UUID.randomUUID();
    rooms.create(new Room(roomId, "test room", creator, Instant.now())).await();
    for (String other : others) {
      rooms.join(roomId, other).await();
    }
    return roomId;
  }

  List<JsonObject> notified() {
    synchronized (notified) {
      return List.copyOf(notified);
    }
  }

  static String user(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
