package chatapp.chat.gateway;

import chatapp.bus.ChatMessage;
import chatapp.chat.membership.MembershipCache;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One authenticated client socket, SockJS or TCP: everything the gateway writes to it goes through
 * here, on the socket's event loop. It keeps three promises:
 * <ul>
 *   <li>bounded memory: live frames handed to the transport and not yet written out, plus live
 *       frames held back, never pass {@code maxOutboundBytes}; the socket that would pass it is
 *       told {@code slow_consumer} and disconnected (the bridges themselves never look at a
 *       socket's write queue);</li>
 *   <li>recovery before live: while a room is being recovered its live frames are held, then the
 *       missed messages are written in order, then the held frames minus those already written
 *       (and a live copy that comes later still, of a message stored before the read but
 *       published after it, is dropped too);</li>
 *   <li>"registered" first: a room's live frames are held from the moment its feed is joined until
 *       the client is told its registration is live (in a cluster the bridge's own registration
 *       takes a round trip to Hazelcast after the feed is live);</li>
 *   <li>inbound frames are decided one after another, in the order they came.</li>
 * </ul>
 */
abstract class ClientSession {

  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

  /** WebSocket close codes (4000-4999 are the application's): the socket fell behind; its token expired. */
  static final int CLOSE_SLOW_CONSUMER = 4008;
  static final int CLOSE_TOKEN_EXPIRED = 4401;

  final String userId;
  final String socketId = UUID.randomUUID().toString();
  /** {@link GatewayMetrics#SOCKJS} or {@link GatewayMetrics#TCP}. */
  final String bridge;
  /**
   * The timer that ends the session when its token expires ({@link SocketSessions}); -1 if none.
   * Set where the login completed, read on the socket's loop.
   */
  volatile long expiryTimer = -1;
  private final long maxOutboundBytes;
  private final GatewayMetrics metrics;
  private final RoomFeeds feeds;

  /** Bytes handed to the transport whose write has not completed yet. */
  private long inTransport;
  /** Bytes of live frames held for a recovering room or waiting in the backlog. */
  private long queuedLive;
  /** Bytes of recovered messages waiting in the backlog. */
  private long queuedRecovered;
  /** Frames waiting for the transport to drain: recovery output, and what follows it. */
  private final Deque<Pending> backlog = new ArrayDeque<>();
  private final Map<String, Held> recovering = new HashMap<>();
  /** Room addresses accepted whose client has not been told "registered" yet. */
  private final Set<String> awaitingLive = new HashSet<>();
  /**
   * Per recovered address, ids the recovery wrote whose live copy may still come: a message stored
   * before the recovery read it can be published after. Live messages come in the room's order, so
   * the first live message not in the set ends the overlap, and the set goes.
   */
  private final Map<String, Set<String>> echoes = new HashMap<>();
  /** Every address this socket listens to, as the bridge sees it (a revoked room stays until unregistered). */
  private final Set<String> addresses = new HashSet<>();
  private final Set<String> roomAddresses = new HashSet<>();
  private final Set<String> revoked = new HashSet<>();
  private Future<?> inbound = Future.succeededFuture();
  private boolean closed;

  private record Pending(String messageId, Buffer frame, boolean live) {
  }

  /** A room's live frames held back: until "registered" (after null), or until its recovery is written. */
  private record Held(UUID after, List<Pending> frames) {
  }

  ClientSession(String userId, String bridge, long maxOutboundBytes, GatewayMetrics metrics, RoomFeeds feeds) {
    this.userId = userId;
    this.feeds = feeds;
    this.bridge = bridge;
    this.maxOutboundBytes = maxOutboundBytes;
    this.metrics = metrics;
  }

  /** Writes a frame to the wire; the future completes once it left this process. */
  protected abstract Future<Void> transportWrite(Buffer frame);

  /** Closes the transport; {@code code} is a WebSocket close code ({@link #CLOSE_SLOW_CONSUMER}, {@link #CLOSE_TOKEN_EXPIRED}). */
  protected abstract void transportClose(int code, String reason);

  /** The wire form of a JSON frame. */
  protected abstract Buffer encode(JsonObject frame);

  /** A frame delivering {@code body} from {@code address} (SockJS "rec", TCP "message"). */
  protected abstract JsonObject delivery(String address, Object body);

  /** The frame delivering a published {@code body} from {@code address}, shared by the sockets of this loop that get it. */
  protected abstract Buffer deliveryFrame(String address, Object body);

  /** Called when the user lost a room he was registered for. */
  protected void onRevoked(String address) {
  }

  /** Runs {@code decision} once every earlier inbound frame of this socket was decided. */
  <T> Future<T> inOrder(Supplier<Future<T>> decision) {
    Future<T> next = inbound.transform(ignored -> decision.get());
    inbound = next;
    return next;
  }

  boolean isClosed() {
    return closed;
  }

  /** A live frame for {@code address}; {@code messageId} when it carries a chat message. */
  void deliver(String address, String messageId, Buffer frame) {
    if (closed || revoked.contains(address)) {
      return;
    }
    if (messageId != null && !echoes.isEmpty() && isEcho(address, messageId)) {
      return;
    }
    Held held = recovering.get(address);
    if (held != null || !backlog.isEmpty()) {
      if (reserveLive(frame.length())) {
        Pending p = new Pending(messageId, frame, true);
        if (held != null) {
          held.frames().add(p);
        } else {
          backlog.add(p);
        }
      }
      return;
    }
    if (inTransport + frame.length() > maxOutboundBytes) {
      slowConsumer();
      return;
    }
    send(frame);
  }

  /** The id of the chat message a published body carries, or null when it carries none (presence, membership). */
  static String messageIdOf(Object body) {
    return body instanceof JsonObject b && "message".equals(b.getString("type")) ? b.getString("messageId") : null;
  }

  /** A publish (from a room's feed, {@link RoomFeeds}, or the bus) for this socket. */
  void deliverPublished(String address, String messageId, Object body) {
    deliver(address, messageId, deliveryFrame(address, body));
  }

  /**
   * Starts handing the room of {@code address} to this socket; completes once that is live on this
   * node. A socket that closed meanwhile (while its membership was read) joins nothing: its close
   * has already left every feed, and a feed joined now would hold it for good.
   */
  Future<Void> listenToRoom(String address) {
    if (closed) {
      return Future.failedFuture("the socket is closed");
    }
    return feeds.join(address, BridgeRules.roomOf(address), this);
  }

  /** Tells the client its registration is live: {"type":"registered"} on the address, before anything else there. */
  void registrationLive(String address) {
    if (closed) {
      return;
    }
    awaitingLive.remove(address);
    send(encode(delivery(address, new JsonObject().put("type", "registered"))));
    Held held = recovering.get(address);
    if (held != null && held.after() == null) {
      release(address, List.of(), null); // nothing to recover: what came meanwhile goes now
    }
  }

  /** An error frame ({@link BridgeRules#errorFrame}) for this socket. */
  void error(String address, int code, String reason, String message) {
    if (!closed) {
      send(encode(BridgeRules.errorFrame(address, code, reason, message)));
    }
  }

  /** Rooms this socket listens to (registered, not revoked). */
  int roomsListenedTo() {
    return roomAddresses.size();
  }

  boolean isRegistered(String address) {
    return addresses.contains(address);
  }

  /** The message id a recovering address resumes after; null when it is not recovering. */
  UUID recoveringAfter(String address) {
    Held held = recovering.get(address);
    return held == null ? null : held.after();
  }

  void registered(String address) {
    addresses.add(address);
    if (BridgeRules.roomOf(address) != null) {
      roomAddresses.add(address);
    }
    revoked.remove(address);
  }

  void unregistered(String address) {
    addresses.remove(address);
    revoked.remove(address);
    stopListening(address);
  }

  /** Whether {@code address} was accepted and its client is still waiting for "registered". */
  boolean awaitsRegistered(String address) {
    return awaitingLive.contains(address);
  }

  private void stopListening(String address) {
    awaitingLive.remove(address);
    feeds.leave(address, this);
    roomAddresses.remove(address);
    echoes.remove(address);
    Held held = recovering.remove(address);
    if (held != null) {
      held.frames().forEach(p -> queuedLive -= p.frame().length());
    }
  }

  /**
   * A registration the rules allowed. A room's live frames are held until {@link #registrationLive},
   * and with {@code after} (the last message the client saw in that room) until {@link #recovered}
   * writes what was missed.
   */
  void accepted(String address, UUID after) {
    if (BridgeRules.roomOf(address) != null) {
      recovering.put(address, new Held(after, new ArrayList<>()));
      awaitingLive.add(address);
    }
    registered(address);
  }

  /**
   * Writes the missed messages (oldest first), then the live frames held meanwhile, skipping those
   * the recovery already wrote. Recovered messages wait for the transport outside the live bound;
   * past {@code maxQueuedBytes} of them for this socket, the room gets a reload notice instead, so a
   * client that recovers many rooms and reads nothing holds a bounded share of the node's memory.
   */
  void recovered(String address, List<ChatMessage> missed, long maxQueuedBytes) {
    List<Pending> frames = new ArrayList<>(missed.size());
    long bytes = 0;
    for (ChatMessage m : missed) {
      Pending p = new Pending(m.messageId().toString(), encode(delivery(address, m.toJson().put("type", "message"))), false);
      frames.add(p);
      bytes += p.frame().length();
    }
    if (queuedRecovered + bytes > maxQueuedBytes) {
      reload(address, Recovery.reload(BridgeRules.roomOf(address), "more was missed than this socket may queue at once ("
        + maxQueuedBytes + " bytes): reload the history"));
      return;
    }
    if (release(address, frames, null)) {
      queuedRecovered += bytes;
    }
  }

  /** Writes a reload notice for the room instead of what was missed, then the live frames held meanwhile. */
  void reload(String address, JsonObject reload) {
    release(address, List.of(), reload);
  }

  /** False when the room is no longer recovering (unregistered meanwhile) or the socket closed: nothing was queued. */
  private boolean release(String address, List<Pending> recoveredFrames, JsonObject reload) {
    Held held = recovering.remove(address);
    if (held == null || closed) {
      return false;
    }
    Set<String> written = new HashSet<>();
    if (held.after() != null) {
      written.add(held.after().toString());
    }
    if (reload != null) {
      backlog.add(new Pending(null, encode(delivery(address, reload)), false));
    } else {
      for (Pending p : recoveredFrames) {
        written.add(p.messageId());
        backlog.add(p);
      }
    }
    boolean overlapOver = false;
    for (Pending p : held.frames()) {
      if (p.messageId() != null && written.remove(p.messageId())) {
        queuedLive -= p.frame().length();
      } else {
        overlapOver |= p.messageId() != null;
        backlog.add(p);
      }
    }
    if (!overlapOver && reload == null && held.after() != null) {
      echoes.put(address, written);
    }
    log.debug("recovered user={} socket={} address={} missed={} reload={}", userId, socketId, address, recoveredFrames.size(),
      reload != null);
    pump();
    return true;
  }

  /** True when {@code messageId} was already written by the recovery of {@code address}. */
  private boolean isEcho(String address, String messageId) {
    Set<String> ids = echoes.get(address);
    if (ids == null) {
      return false;
    }
    if (ids.remove(messageId)) {
      return true;
    }
    echoes.remove(address);
    return false;
  }

  /** Checks the rooms this socket listens to again; a room the user left is cut off. */
  void reverify(MembershipCache members) {
    for (String address : List.copyOf(roomAddresses)) {
      String roomId = BridgeRules.roomOf(address);
      members.isMember(roomId, userId).onSuccess(member -> {
        if (!member && roomAddresses.remove(address) && !closed) {
          revoked.add(address);
          stopListening(address);
          log.info("revoked user={} socket={} room={}: no longer a member", userId, socketId, roomId);
          error(address, 403, "not_member", "you are no longer a member of room " + roomId);
          onRevoked(address);
        }
      });
    }
  }

  /** The socket is gone: drop everything queued for it. */
  void close() {
    closed = true;
    addresses.forEach(address -> feeds.leave(address, this));
    backlog.clear();
    queuedRecovered = 0;
    recovering.clear();
    awaitingLive.clear();
    echoes.clear();
  }

  private boolean reserveLive(int size) {
    if (inTransport + queuedLive + size > maxOutboundBytes) {
      slowConsumer();
      return false;
    }
    queuedLive += size;
    return true;
  }

  private void send(Buffer frame) {
    int size = frame.length();
    inTransport += size;
    transportWrite(frame).onComplete(ar -> {
      inTransport -= size;
      if (!backlog.isEmpty()) {
        pump();
      }
    });
  }

  /** Moves the backlog to the transport while the transport holds under half the bound. */
  private void pump() {
    while (!closed && !backlog.isEmpty() && inTransport < maxOutboundBytes / 2) {
      Pending p = backlog.poll();
      if (p.live()) {
        queuedLive -= p.frame().length();
      } else if (p.messageId() != null) {
        queuedRecovered -= p.frame().length();
      }
      send(p.frame());
    }
  }

  /**
   * The token the socket opened with has expired: the socket would otherwise keep its rights for as
   * long as it stays open, where every HTTP request is checked. The client reconnects with a fresh one.
   */
  void tokenExpired() {
    if (closed) {
      return;
    }
    log.info("token expired user={} socket={} bridge={}, disconnecting", userId, socketId, bridge);
    error(null, 401, "token_expired", "your token expired: reconnect with a fresh one");
    close();
    transportClose(CLOSE_TOKEN_EXPIRED, "token expired");
  }

  /** Runs {@code action} on this socket's event loop, where its state lives. */
  void onItsLoop(Runnable action) {
    feeds.onItsLoop(action);
  }

  private void slowConsumer() {
    if (closed) {
      return;
    }
    metrics.slowConsumer();
    log.info("slow consumer user={} socket={} bridge={}: {} bytes queued against a bound of {}, disconnecting",
      userId, socketId, bridge, inTransport + queuedLive, maxOutboundBytes);
    error(null, 429, "slow_consumer", "this socket did not keep up with its messages: reconnect and recover from the last message seen");
    close();
    transportClose(CLOSE_SLOW_CONSUMER, "slow consumer");
  }
}
