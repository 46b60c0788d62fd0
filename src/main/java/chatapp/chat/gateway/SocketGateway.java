package chatapp.chat.gateway;

import chatapp.auth.Auth;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.RoomStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;

/**
 * The browsers' way in: the SockJS event-bus bridge at {@value #PATH}, every transport of it
 * behind the JWT check. sockjs-client keeps the URL's query string on every request of every
 * transport and a browser WebSocket cannot set headers, so the token may come as {@code ?token=};
 * other clients may send {@code Authorization: Bearer}. No token, or a bad or expired one: 401,
 * and no socket is opened. The protocol is in the README, "Client protocol".
 */
public final class SocketGateway {

  public static final String PATH = "/eventbus";

  private final Vertx vertx;
  private final Auth auth;
  private final CassandraClient cql;
  private final SockJsBridgeHook hook;
  private final JsonObject gateway;

  private SocketGateway(Vertx vertx, Auth auth, CassandraClient cql, SockJsBridgeHook hook, JsonObject gateway) {
    this.vertx = vertx;
    this.auth = auth;
    this.cql = cql;
    this.hook = hook;
    this.gateway = gateway;
  }

  public static Future<SocketGateway> create(Vertx vertx, JsonObject config) {
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    JsonObject cqlConfig = config.getJsonObject("cql");
    CassandraClient cql = Cql.client(vertx, cqlConfig);
    Future<RoomStore> rooms = RoomStore.create(cql, cqlConfig);
    Future<MessageStore> messages = MessageStore.create(cql, cqlConfig);
    return Future.all(rooms, messages).map(v -> {
      MembershipCache members = new MembershipCache(rooms.result(), gateway.getInteger("membershipTtlSeconds", 30) * 1000L, 100_000);
      Recovery recovery = new Recovery(messages.result(), gateway.getInteger("recoveryLimit", 1000));
      SockJsBridgeHook hook = new SockJsBridgeHook(vertx, gateway, members, recovery, GatewayMetrics.create());
      return new SocketGateway(vertx, Auth.create(vertx, config.getJsonObject("auth")), cql, hook, gateway);
    }).onFailure(e -> cql.close());
  }

  public void mount(Router router) {
    // Two routes: Vert.x Web accepts no plain handler before an authentication handler on one route.
    router.route(PATH + "/*").handler(SocketGateway::tokenFromQuery);
    router.route(PATH + "/*").handler(JWTAuthHandler.create(auth.provider()));
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions());
    router.route(PATH + "/*").subRouter(sockJs.bridge(BridgeRules.sockJs(gateway), hook));
  }

  /** {@code ?token=} becomes the bearer header the JWT handler reads, unless there is one already. */
  private static void tokenFromQuery(RoutingContext ctx) {
    String token = ctx.request().getParam("token");
    if (token != null && !token.isBlank() && ctx.request().getHeader(HttpHeaders.AUTHORIZATION) == null) {
      ctx.request().headers().set(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    ctx.next();
  }

  public Future<Void> close() {
    hook.close();
    return cql.close();
  }
}
