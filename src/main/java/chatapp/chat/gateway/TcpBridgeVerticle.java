package chatapp.chat.gateway;

import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.chat.membership.MembershipCache;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.RoomStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge ({@code tcpBridge.port}, 7001 by default): the same gateway as
 * {@code /eventbus}, for bots and other programs in any language that can open a TCP socket and
 * write length-prefixed JSON. Disabled with {@code TCP_BRIDGE_ENABLED=false}.
 */
public class TcpBridgeVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(TcpBridgeVerticle.class);

  private CassandraClient cql;
  private TcpBridgeHook hook;
  private TcpEventBusBridge bridge;
  private MessageConsumer<Object> login;

  @Override
  public Future<?> start() {
    JsonObject tcp = config().getJsonObject("tcpBridge", new JsonObject());
    if (!tcp.getBoolean("enabled", true)) {
      log.info("TCP event-bus bridge disabled");
      return Future.succeededFuture();
    }
    JsonObject gateway = config().getJsonObject("gateway", new JsonObject());
    JsonObject cqlConfig = config().getJsonObject("cql");
    cql = Cql.client(vertx, cqlConfig);
    Future<RoomStore> rooms = RoomStore.create(cql, cqlConfig);
    Future<MessageStore> messages = MessageStore.create(cql, cqlConfig);
    return Future.all(rooms, messages).compose(v -> {
      MembershipCache members = new MembershipCache(vertx, rooms.result(), gateway.getInteger("membershipTtlSeconds", 30) * 1000L, 100_000);
      Recovery recovery = new Recovery(messages.result(), gateway);
      hook = new TcpBridgeHook(vertx, gateway, Auth.create(vertx, config().getJsonObject("auth")), members, recovery,
        GatewayMetrics.create());
      login = vertx.eventBus().localConsumer(Addresses.CLIENT_LOGIN, TcpBridgeHook::answerLogin);
      bridge = TcpEventBusBridge.create(vertx, BridgeRules.tcp(), new NetServerOptions(), hook);
      return login.completion().compose(x -> bridge.listen(tcp.getInteger("port"), tcp.getString("host")));
    }).onSuccess(b -> log.info("chat service: TCP event-bus bridge on port {}", tcp.getInteger("port")));
  }

  @Override
  public Future<?> stop() {
    if (bridge == null) {
      return cql == null ? Future.succeededFuture() : cql.close();
    }
    return bridge.close()
      .eventually(() -> hook.close())
      .eventually(() -> login.unregister())
      .eventually(() -> cql.close());
  }
}
