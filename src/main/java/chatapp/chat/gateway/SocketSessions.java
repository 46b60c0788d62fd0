package chatapp.chat.gateway;

import chatapp.chat.membership.MembershipCache;
import chatapp.chat.presence.Presence;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open sessions of one bridge, by socket ({@code K}: a SockJS or a TCP socket). Both bridges
 * keep theirs the same way, here: a session that opens or closes is told to presence (the user is
 * online while one of his sockets is open, on any node) and to the open-sockets gauge, and every
 * {@code gateway.membershipTtlSeconds} each session checks its rooms again, so that a member taken
 * out of a room stops getting it. A session ends when the token it opened with expires.
 */
final class SocketSessions<K, S extends ClientSession> {

  private static final Logger log = LoggerFactory.getLogger(SocketSessions.class);

  private final Vertx vertx;
  private final Presence presence;
  private final Map<K, S> sessions = new ConcurrentHashMap<>();
  private final long sweep;

  SocketSessions(Vertx vertx, JsonObject gateway, MembershipCache members) {
    this.vertx = vertx;
    this.presence = Presence.create(vertx);
    long ttlMs = gateway.getInteger("membershipTtlSeconds", 30) * 1000L;
    this.sweep = vertx.setPeriodic(ttlMs, t -> sessions.values().forEach(s -> s.reverify(members)));
  }

  /** The socket's session; null before it opened (a TCP socket that has not logged in) or after it closed. */
  S get(K socket) {
    return sessions.get(socket);
  }

  /** A socket opened by a token valid until {@code expiresAtMs} (0: no end); it is closed then. */
  void opened(K socket, S session, long expiresAtMs) {
    sessions.put(socket, session);
    if (expiresAtMs > 0) {
      long delay = Math.max(1, expiresAtMs - System.currentTimeMillis());
      session.expiryTimer = vertx.setTimer(delay, t -> session.onItsLoop(session::tokenExpired));
    }
    GatewayMetrics.socketOpened(session.bridge);
    log.debug("{} socket open user={} socket={}", session.bridge, session.userId, session.socketId);
    presence.connected(session.userId, session.socketId)
      .onFailure(e -> log.warn("presence not told of user={} socket={}: {}", session.userId, session.socketId, e.toString()));
  }

  /** Closes the socket's session, if it has one (a socket may close twice: once only counts). */
  void closed(K socket) {
    S session = sessions.remove(socket);
    if (session == null) {
      return;
    }
    vertx.cancelTimer(session.expiryTimer); // none, or fired already: nothing to cancel
    session.close();
    GatewayMetrics.socketClosed(session.bridge);
    log.debug("{} socket closed user={} socket={}", session.bridge, session.userId, session.socketId);
    presence.disconnected(session.userId, session.socketId)
      .onFailure(e -> log.warn("presence not told user={} socket={} closed: {}", session.userId, session.socketId, e.toString()));
  }

  /** Stops the membership sweep; with {@code closeAll}, closes every open session too. */
  void stop(boolean closeAll) {
    vertx.cancelTimer(sweep);
    if (closeAll) {
      List.copyOf(sessions.keySet()).forEach(this::closed);
    }
  }
}
