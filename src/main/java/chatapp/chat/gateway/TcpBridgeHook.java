package chatapp.chat.gateway;

import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.chat.membership.MembershipCache;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The TCP bridge's rules: the same as the SockJS bridge's, for clients that open a plain TCP
 * socket. A TCP socket has no HTTP upgrade to carry a token, so it logs in with a first request to
 * {@link Addresses#CLIENT_LOGIN} carrying {@code {token}}; until then only that is answered. The
 * bridge's own registrations are not used (it has no outbound hook): an accepted register is
 * served by the session's own consumer and answered with a {@code pong} frame.
 */
final class TcpBridgeHook implements Handler<BridgeEvent> {

  private static final Logger log = LoggerFactory.getLogger(TcpBridgeHook.class);
  /** Header the hook puts on a login it could not verify, for the login consumer to answer. */
  private static final String LOGIN_ERROR = "x-chat-login-error";

  private final Vertx vertx;
  private final Auth auth;
  private final SocketSessions<NetSocket, TcpSession> sessions;
  private final MembershipCache members;
  private final Recovery recovery;
  private final GatewayMetrics metrics;
  private final long maxOutboundBytes;
  private final int maxHandlers;
  private final int maxAddressLength;
  /**
   * Sockets whose close is watched, since their first login: whether each has closed. One flag per
   * socket, however many logins it sends while the first is still being checked.
   */
  private final Map<NetSocket, boolean[]> watched = new HashMap<>();

  TcpBridgeHook(Vertx vertx, JsonObject gateway, Auth auth, MembershipCache members, Recovery recovery, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.auth = auth;
    this.sessions = new SocketSessions<>(vertx, gateway, members);
    this.members = members;
    this.recovery = recovery;
    this.metrics = metrics;
    this.maxOutboundBytes = gateway.getLong("maxOutboundBytes", 1_048_576L);
    this.maxHandlers = gateway.getInteger("maxHandlersPerSocket", 1000);
    this.maxAddressLength = BridgeRules.sockJs(gateway).getMaxAddressLength();
  }

  @Override
  public void handle(BridgeEvent event) {
    switch (event.type()) {
      case SEND -> send(event);
      case REGISTER -> register(event);
      case UNREGISTER -> unregister(event);
      case PUBLISH -> refuse(event, null, 403, "publish_refused", "clients do not publish: send to " + Addresses.CLIENT_SEND);
      default -> event.complete(true);
    }
  }

  private void send(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    String address = frame.getString("address");
    TcpSession session = sessions.get(event.socket());
    if ((Addresses.CLIENT_SEND.equals(address) || Addresses.CLIENT_LOGIN.equals(address)) && frame.getString("replyAddress") == null) {
      refuse(event, null, 400, "no_reply_address", "a send to " + address + " needs a reply address: the answer goes there");
      return;
    }
    if (Addresses.CLIENT_LOGIN.equals(address) && session == null) {
      login(event, frame);
      return;
    }
    if (Addresses.CLIENT_LOGIN.equals(address)) {
      // A second login on a logged-in socket answers who it already is; its token goes nowhere.
      frame.put("body", new JsonObject());
    }
    // No user header on a socket that did not log in: the consumer answers 401.
    frame.put("headers", BridgeRules.trustedHeaders(session == null ? null : session.userId));
    if (session == null) {
      event.complete(true);
    } else {
      session.inOrder(() -> Future.succeededFuture(true)).onComplete(ar -> event.complete(true));
    }
  }

  private void login(BridgeEvent event, JsonObject frame) {
    NetSocket socket = event.socket();
    // This socket's loop: the session's rooms are fed there (the token check may complete elsewhere).
    RoomFeeds feeds = RoomFeeds.onThisLoop(vertx);
    Context loop = vertx.getOrCreateContext();
    FlushCoalescing.install(socket);
    // Watched before the token check, which may wait seconds for the identity provider's keys: a
    // socket that closed meanwhile must not be opened afterwards, online for good with nobody to
    // close it. The check's answer is taken on the socket's loop, where its close is seen.
    boolean[] closed = watched.computeIfAbsent(socket, s -> {
      boolean[] flag = {false};
      s.closeHandler(v -> {
        flag[0] = true;
        watched.remove(s);
        sessions.closed(s);
      });
      return flag;
    });
    String token = frame.getValue("body") instanceof JsonObject body && body.getValue("token") instanceof String t ? t : null;
    // The token goes no further than this check.
    frame.put("body", new JsonObject());
    Future<User> user = token == null || token.isBlank()
      ? Future.failedFuture("the body must be {\"token\": \"<JWT>\"}")
      : auth.provider().authenticate(new TokenCredentials(token));
    user.onComplete(ar -> loop.runOnContext(v -> {
      String userId = ar.succeeded() ? Auth.userId(ar.result()) : null;
      if (userId != null && !userId.isBlank() && sessions.get(socket) == null && !closed[0]) {
        sessions.opened(socket, new TcpSession(socket, userId, maxOutboundBytes, metrics, feeds), Auth.expiresAtMs(ar.result()));
        frame.put("headers", BridgeRules.trustedHeaders(userId));
      } else {
        metrics.refused("unauthenticated");
        frame.put("headers", new JsonObject().put(LOGIN_ERROR, token == null ? "the body must be {\"token\": \"<JWT>\"}"
          : "the token is invalid or expired"));
      }
      event.complete(true);
    }));
  }

  /** The login request's answer: the user the socket now speaks as, or 401. */
  static void answerLogin(Message<Object> msg) {
    String userId = msg.headers().get(BridgeRules.USER_HEADER);
    if (userId != null) {
      msg.reply(new JsonObject().put("userId", userId));
    } else {
      String error = msg.headers().get(LOGIN_ERROR);
      msg.fail(401, error != null ? error : "log in over the TCP bridge with {\"token\": \"<JWT>\"}");
    }
  }

  private void register(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    String address = frame.getString("address");
    TcpSession session = sessions.get(event.socket());
    if (session == null) {
      refuse(event, address, 401, "unauthenticated", "log in first: send {\"token\": \"<JWT>\"} to " + Addresses.CLIENT_LOGIN);
      return;
    }
    session.inOrder(() -> session.listening() >= maxHandlers
      ? Future.succeededFuture(new Permissions.Refusal(429, "too_many_registrations", "at most " + maxHandlers + " addresses per socket"))
      : Permissions.register(members, session, frame, maxAddressLength)).onComplete(ar -> {
        Permissions.Refusal refusal = ar.succeeded() ? ar.result() : Permissions.UNAVAILABLE;
        if (refusal != null) {
          refuse(event, address, refusal.code(), refusal.reason(), refusal.message());
          return;
        }
        if (session.isClosed()) {
          event.complete(false);
          return;
        }
        UUID after = BridgeRules.lastMessageId(frame);
        session.accepted(address, after);
        session.listen(vertx.eventBus(), address).onComplete(live -> {
          if (live.failed()) { // as on SockJS: a registration that delivers nothing is no registration
            session.unregistered(address);
            session.unlisten(address);
            refuse(event, address, 503, "unavailable", "the address could not be listened to: retry");
            return;
          }
          session.registrationLive(address);
          if (after != null && BridgeRules.roomOf(address) != null) {
            recovery.recover(session, address, BridgeRules.roomOf(address), after);
          }
          log.debug("tcp registered user={} socket={} address={} after={}", session.userId, session.socketId, address, after);
          // The session delivers, not the bridge: the bridge only answers this frame, with a pong.
          frame.put("type", "ping");
          event.complete(true);
        });
      });
  }

  private void unregister(BridgeEvent event) {
    JsonObject frame = event.getRawMessage();
    TcpSession session = sessions.get(event.socket());
    if (session == null) {
      refuse(event, frame.getString("address"), 401, "unauthenticated", "log in first");
      return;
    }
    session.inOrder(() -> Future.succeededFuture(true)).onComplete(ar -> {
      session.unregistered(frame.getString("address"));
      session.unlisten(frame.getString("address"));
      frame.put("type", "ping");
      event.complete(true);
    });
  }

  /** An error frame the client can act on, then the bridge's own "blocked" frame. */
  private void refuse(BridgeEvent event, String address, int code, String reason, String message) {
    metrics.refused(reason);
    TcpSession session = sessions.get(event.socket());
    if (session != null) {
      session.error(address, code, reason, message);
    } else {
      event.socket().write(TcpSession.frame(BridgeRules.errorFrame(address, code, reason, message)));
    }
    event.complete(false);
  }

  Future<Void> close() {
    sessions.stop(true);
    return Future.succeededFuture();
  }
}
