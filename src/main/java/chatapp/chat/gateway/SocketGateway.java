package chatapp.chat.gateway;

import chatapp.auth.Auth;
import chatapp.chat.api.Problems;
import chatapp.chat.membership.MembershipCache;
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
import io.vertx.ext.web.handler.BodyHandler;
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
      MembershipCache members = new MembershipCache(vertx, rooms.result(), gateway.getInteger("membershipTtlSeconds", 30) * 1000L, 100_000);
      Recovery recovery = new Recovery(messages.result(), gateway);
      SockJsBridgeHook hook = new SockJsBridgeHook(vertx, gateway, members, recovery, GatewayMetrics.create());
      return new SocketGateway(vertx, Auth.create(vertx, config.getJsonObject("auth")), cql, hook, gateway);
    }).onFailure(e -> cql.close());
  }

  public void mount(Router router) {
    // The HTTP fallbacks (xhr-streaming, xhr-polling) POST their frames: Vert.x 5's SockJS reads them
    // from a BodyHandler, bounded here. Separate routes: Vert.x Web accepts no plain handler before
    // an authentication handler on one route.
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(gateway.getLong("maxInboundBytes", 65_536L)));
    // Refusals (no token, another user's session, a body too large) as JSON problems, as the API's.
    router.route(PATH + "/*").failureHandler(Problems::handleByStatus);
    router.route(PATH + "/*").handler(SocketGateway::tokenFromQuery);
    router.route(PATH + "/*").handler(JWTAuthHandler.create(auth.provider()));
    router.route(PATH + "/*").handler(this::sameUserAsSession);
    router.route(PATH + "/*").handler(SocketGateway::sayConnectionCloses);
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

  /**
   * The HTTP fallbacks carry one SockJS session over many requests, named in the path
   * ({@code /eventbus/<server>/<session>/xhr_send}); each request must come from the session's own
   * user, or anyone who learnt a session id could write into it. The id is read from the
   * normalised path, as the router reads it for SockJS: the raw one can spell the same session
   * otherwise ({@code %61bc}, {@code /./}) and would name no owner.
   */
  private void sameUserAsSession(RoutingContext ctx) {
    String session = sessionIdOf(ctx.normalizedPath());
    String owner = session == null ? null : hook.ownerOf(session);
    if (owner != null && !owner.equals(Auth.userId(ctx.user()))) {
      ctx.fail(403);
      return;
    }
    ctx.next();
  }

  /**
   * Vert.x's xhr-polling and xhr-streaming close the connection after their response without
   * saying so; a keep-alive client (Node's agent, some proxies) then sends its next request on a
   * dead connection. Saying it lets the client open a new one.
   */
  private static void sayConnectionCloses(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.endsWith("/xhr") || path.endsWith("/xhr_streaming")) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    ctx.next();
  }

  /** The SockJS session id in a transport path, or null for /info, /websocket and the like. */
  static String sessionIdOf(String path) {
    if (path == null || !path.startsWith(PATH + "/")) {
      return null;
    }
    String[] parts = path.substring(PATH.length() + 1).split("/");
    return parts.length == 3 ? parts[1] : null;
  }

  public Future<Void> close() {
    hook.close();
    return cql.close();
  }
}
