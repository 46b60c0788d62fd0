package chatapp.chat.gateway;

import chatapp.auth.Auth;
import chatapp.bus.Addresses;
import chatapp.chat.membership.MembershipCache;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.UUID;

/**
 * The SockJS bridge's rules, applied to every event of every socket. The upgrade was authenticated
 * already (the socket's {@code webUser()} is the token's principal); here a socket may register only
 * for its user's address and the rooms he belongs to, may only send to {@link Addresses#CLIENT_SEND}
 * (with a reply address: the ack), and every inbound frame's headers are replaced by the trusted
 * user. Outbound, the hook writes each frame itself through the socket's {@link ClientSession}
 * (bounded queue, recovery before live) and tells the bridge not to.
 *
 * <p>Sockets never leave the event loop they were accepted on, which is the one this hook and its
 * HTTP server run on.
 */
final class SockJsBridgeHook implements Handler<BridgeEvent> {

  private static final Logger log = LoggerFactory.getLogger(SockJsBridgeHook.class);
  private static final String OWNERS = "chat.gateway.sockjs-session-owners";

  /** How long the bridge's own registration may take once the room's feed is live. */
  static final long REGISTERED_WITHIN_MS = 30_000;

  private final Vertx vertx;
  private final SocketSessions<SockJSSocket, ClientSession> sessions;
  /**
   * SockJS session id to its user, for the HTTP fallbacks' later requests (see {@link SocketGateway}).
   * Shared by the HTTP verticle's instances: a fallback's next request is a new connection, which
   * may land on another instance than the one that opened the session (Vert.x's SockJS sessions
   * are shared the same way).
   */
  private final Map<String, String> sessionOwners;
  private final MembershipCache members;
  private final Recovery recovery;
  private final GatewayMetrics metrics;
  private final long maxOutboundBytes;
  private final int maxAddressLength;

  SockJsBridgeHook(Vertx vertx, JsonObject gateway, MembershipCache members, Recovery recovery, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.sessions = new SocketSessions<>(vertx, gateway, members);
    this.sessionOwners = vertx.sharedData().getLocalMap(OWNERS);
    this.members = members;
    this.recovery = recovery;
    this.metrics = metrics;
    this.maxOutboundBytes = gateway.getLong("maxOutboundBytes", 1_048_576L);
    this.maxAddressLength = BridgeRules.sockJs(gateway).getMaxAddressLength();
  }

  @Override
  public void handle(BridgeEvent event) {
    switch (event.type()) {
      case SOCKET_CREATED -> opened(event);
      case SOCKET_CLOSED -> closed(event);
      case RECEIVE -> receive(event);
      case REGISTER -> register(event);
      case REGISTERED -> registered(event);
      case UNREGISTER -> unregister(event);
      case SEND -> send(event);
      case PUBLISH -> refuse(event, null, 403, "publish_refused", "clients do not publish: send to " + Addresses.CLIENT_SEND);
      default -> event.complete(true);
    }
  }

  private void opened(BridgeEvent event) {
    String userId = Auth.userId(event.socket().webUser());
    if (userId == null || userId.isBlank()) {
      // The authentication handler lets no such socket through; refuse rather than trust.
      event.complete(false);
      return;
    }
    String sockJsSession = SocketGateway.sessionIdOf(event.socket().routingContext().normalizedPath());
    if (sockJsSession != null) {
      sessionOwners.put(sockJsSession, userId);
    }
    sessions.opened(event.socket(), new SockJsSession(event.socket(), userId, maxOutboundBytes, metrics, RoomFeeds.onThisLoop(vertx)),
      Auth.expiresAtMs(event.socket().webUser()));
    // Synchronously: the bridge reads the socket's frames only once this event is complete.
    event.complete(true);
  }

  private void closed(BridgeEvent event) {
    String sockJsSession = SocketGateway.sessionIdOf(event.socket().routingContext().normalizedPath());
    if (sockJsSession != null) {
      sessionOwners.remove(sockJsSession);
    }
    sessions.closed(event.socket());
    event.complete(true);
  }

  /** The hot path: one lookup, one encoding per publish (not per socket), one write, for every frame going out. */
  private void receive(BridgeEvent event) {
    ClientSession session = sessions.get(event.socket());
    if (session != null) {
      JsonObject envelope = event.getRawMessage();
      Object body = envelope.getValue("body");
      String address = envelope.getString("address");
      if (envelope.size() == 3) {
        // {type, address, body} is all a publish without headers carries: the shared frame says the same.
        session.deliverPublished(address, ClientSession.messageIdOf(body), body);
      } else {
        session.deliver(address, ClientSession.messageIdOf(body), envelope.toBuffer());
      }
    }
    // The session wrote it (or dropped it on purpose): the bridge must not write it again.
    event.complete(false);
  }

  private void register(BridgeEvent event) {
    ClientSession session = sessions.get(event.socket());
    JsonObject frame = event.getRawMessage();
    String address = frame.getString("address");
    if (session == null) {
      event.complete(false);
      return;
    }
    session.inOrder(() -> Permissions.register(members, session, frame, maxAddressLength)).onComplete(ar -> {
      Permissions.Refusal refusal = ar.succeeded() ? ar.result() : Permissions.UNAVAILABLE;
      if (refusal != null) {
        refuse(event, address, refusal.code(), refusal.reason(), refusal.message());
        return;
      }
      if (session.isClosed()) { // closed while its membership was read
        event.complete(false);
        return;
      }
      UUID after = BridgeRules.lastMessageId(frame);
      session.accepted(address, after);
      log.debug("registered user={} socket={} address={} after={}", session.userId, session.socketId, address, after);
      if (BridgeRules.roomOf(address) == null) {
        event.complete(true);
        return;
      }
      // Live on this node's room feed before the bridge says "registered" (it does once its own consumer is).
      session.listenToRoom(address).onComplete(live -> {
        if (live.succeeded()) {
          event.complete(true);
          // The bridge raises no event when its own registration fails (it tells the client
          // "registration_failure"): the room's frames, held until "registered", would pile up.
          vertx.setTimer(REGISTERED_WITHIN_MS, t -> session.onItsLoop(() -> {
            if (session.awaitsRegistered(address)) {
              session.unregistered(address);
              session.error(address, 503, "unavailable", "the registration did not complete: register again");
            }
          }));
        } else {
          session.unregistered(address);
          refuse(event, address, 503, "unavailable", "the room could not be listened to: retry");
        }
      });
    });
  }

  /** The bridge's consumer is live: what is stored from now on arrives live, so the store is read now. */
  private void registered(BridgeEvent event) {
    ClientSession session = sessions.get(event.socket());
    String address = event.getRawMessage().getString("address");
    if (session != null) {
      session.registrationLive(address);
    }
    UUID after = session == null ? null : session.recoveringAfter(address);
    if (after != null) {
      recovery.recover(session, address, BridgeRules.roomOf(address), after);
    }
    event.complete(true);
  }

  private void unregister(BridgeEvent event) {
    ClientSession session = sessions.get(event.socket());
    if (session != null) {
      session.unregistered(event.getRawMessage().getString("address"));
    }
    // Synchronously: the bridge also raises this while it tears a closing socket down.
    event.complete(true);
  }

  private void send(BridgeEvent event) {
    ClientSession session = sessions.get(event.socket());
    JsonObject frame = event.getRawMessage();
    if (session == null) {
      event.complete(false);
      return;
    }
    if (Addresses.CLIENT_SEND.equals(frame.getString("address")) && frame.getString("replyAddress") == null) {
      refuse(event, null, 400, "no_reply_address", "a send to " + Addresses.CLIENT_SEND + " needs a reply address: the ack goes there");
      return;
    }
    // Whatever headers the client wrote, the consumer sees only who the socket belongs to.
    frame.put("headers", BridgeRules.trustedHeaders(session.userId));
    session.inOrder(() -> Future.succeededFuture(true)).onComplete(ar -> event.complete(true));
  }

  /** An error frame the client can act on (on the address when there is one), then the bridge's own refusal. */
  private void refuse(BridgeEvent event, String address, int code, String reason, String message) {
    ClientSession session = sessions.get(event.socket());
    metrics.refused(reason);
    if (session != null) {
      log.debug("refused user={} socket={} {} address={}: {}", session.userId, session.socketId, event.type(), address, reason);
      session.error(address, code, reason, message);
    }
    event.complete(false);
  }

  /** The user a SockJS session belongs to, or null when no such session is open. */
  String ownerOf(String sockJsSession) {
    return sessionOwners.get(sockJsSession);
  }

  /** The bridge closes its sockets itself (each raises SOCKET_CLOSED): only the sweep stops here. */
  void close() {
    sessions.stop(false);
  }
}
