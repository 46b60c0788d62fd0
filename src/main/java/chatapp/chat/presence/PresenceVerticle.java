package chatapp.chat.presence;

import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import chatapp.chat.store.Cql;
import chatapp.chat.store.RoomStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * This node's presence: which sockets of which users are connected here. It claims each such user
 * in the shared map (see {@link Presence}) and refreshes the claims every {@code refreshMs}, so a
 * node that dies stops being believed within {@code ttlMs}, and a sweep then tells the rooms of the
 * users it held that they went offline. When a user goes from offline to online everywhere (or
 * back), his rooms hear it; when his first socket on this node opens (or his last one closes), the
 * node's gRPC presence stream does.
 */
public class PresenceVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PresenceVerticle.class);

  private final String nodeId = UUID.randomUUID().toString();
  private final Map<String, Set<String>> socketsByUser = new HashMap<>();
  /** Each user's latest presence step on this node: the next one waits for it (see {@link #inTurn}). */
  private final Map<String, Future<?>> turns = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private AsyncMap<String, JsonObject> claims;
  private CassandraClient cql;
  private RoomStore rooms;
  private long ttlMs;
  private long timer;
  private long sweeper;

  @Override
  public Future<?> start() {
    JsonObject presence = config().getJsonObject("presence", new JsonObject());
    ttlMs = presence.getLong("ttlMs", 10_000L);
    long refreshMs = presence.getLong("refreshMs", 3_000L);
    cql = Cql.client(vertx, config().getJsonObject("cql"));
    return RoomStore.create(cql, config().getJsonObject("cql"))
      .compose(store -> {
        rooms = store;
        return Presence.map(vertx);
      })
      .compose(map -> {
        claims = map;
        consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.PRESENCE_CONNECT, this::connect));
        consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.PRESENCE_DISCONNECT, this::disconnect));
        consumers.add(vertx.eventBus().localConsumer(Addresses.PRESENCE_LOCAL,
          msg -> msg.reply(new JsonObject().put("userIds", new JsonArray(new ArrayList<>(socketsByUser.keySet()))))));
        // A refresh that finds the user gone (this node missed its refreshes, and another node's
        // sweep announced him offline) claims him again and says so: he is still connected here.
        timer = vertx.setPeriodic(refreshMs, t -> socketsByUser.keySet().forEach(userId ->
          inTurn(userId, () -> socketsByUser.containsKey(userId)
            ? claim(userId).compose(wasOffline -> wasOffline ? toRooms(userId, "online") : Future.succeededFuture())
            : Future.succeededFuture())));
        sweeper = vertx.setPeriodic(presence.getLong("sweepMs", 1_000L), t -> sweep());
        return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
      });
  }

  private void connect(Message<JsonObject> msg) {
    String userId = msg.body().getString("userId");
    Set<String> sockets = socketsByUser.computeIfAbsent(userId, u -> new HashSet<>());
    boolean firstHere = sockets.isEmpty();
    sockets.add(msg.body().getString("socketId"));
    if (!firstHere) {
      msg.reply(null);
      return;
    }
    toStream(userId, "connected");
    inTurn(userId, () -> claim(userId).compose(wasOffline -> wasOffline ? toRooms(userId, "online") : Future.succeededFuture()))
      .onComplete(ar -> msg.reply(null));
  }

  private void disconnect(Message<JsonObject> msg) {
    String userId = msg.body().getString("userId");
    Set<String> sockets = socketsByUser.get(userId);
    if (sockets == null || !sockets.remove(msg.body().getString("socketId")) || !sockets.isEmpty()) {
      msg.reply(null);
      return;
    }
    socketsByUser.remove(userId);
    toStream(userId, "disconnected");
    inTurn(userId, () -> release(userId).compose(gone -> gone ? toRooms(userId, "offline") : Future.succeededFuture()))
      .onComplete(ar -> msg.reply(null));
  }

  /** Claims (or refreshes) this node's hold on {@code userId}; true when nobody held him before. */
  private Future<Boolean> claim(String userId) {
    return claims.get(userId).compose(old -> {
      long now = System.currentTimeMillis();
      JsonObject next = unexpired(old, now).put(nodeId, now + ttlMs);
      boolean wasOffline = !Presence.live(old, now);
      Future<Boolean> written = old == null
        ? claims.putIfAbsent(userId, next).map(existing -> existing == null)
        : claims.replaceIfPresent(userId, old, next);
      // Another node changed the entry between our read and write: read again.
      return written.compose(ok -> ok ? Future.succeededFuture(wasOffline) : claim(userId));
    });
  }

  /** Drops this node's hold on {@code userId}; true when nobody holds him any more. */
  private Future<Boolean> release(String userId) {
    return claims.get(userId).compose(old -> {
      if (old == null) {
        return Future.succeededFuture(true);
      }
      long now = System.currentTimeMillis();
      JsonObject next = unexpired(old, now);
      next.remove(nodeId);
      Future<Boolean> written = next.isEmpty() ? claims.removeIfPresent(userId, old) : claims.replaceIfPresent(userId, old, next);
      return written.compose(ok -> ok ? Future.succeededFuture(next.isEmpty()) : release(userId));
    });
  }

  private static JsonObject unexpired(JsonObject claims, long now) {
    JsonObject out = new JsonObject();
    if (claims != null) {
      claims.forEach(e -> {
        if (((Number) e.getValue()).longValue() > now) {
          out.put(e.getKey(), e.getValue());
        }
      });
    }
    return out;
  }

  /**
   * Clears the entries of users whose every claim lapsed (their sockets were on nodes that died)
   * and tells their rooms they went offline. Every node sweeps; the conditional remove lets exactly
   * one of them announce each user.
   */
  private void sweep() {
    claims.entries().onSuccess(all -> {
      long now = System.currentTimeMillis();
      all.forEach((userId, held) -> {
        if (!Presence.live(held, now) && !socketsByUser.containsKey(userId)) {
          claims.removeIfPresent(userId, held).onSuccess(removed -> {
            if (removed) {
              log.info("presence user={} lapsed: the node that held him stopped refreshing", userId);
              toRooms(userId, "offline");
            }
          });
        }
      });
    }).onFailure(e -> log.warn("presence sweep failed: {}", e.toString()));
  }

  /**
   * Tells this node's presence stream that the user's first socket here opened or his last one
   * closed. The notification service holds a user online while any node's stream says so, so the
   * stream carries this node's view, not the cluster's: a user on two nodes who leaves one stays
   * online there, and the streams of a node that dies end with it.
   */
  private void toStream(String userId, String status) {
    log.debug("presence user={} status={} on this node", userId, status);
    vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, new JsonObject().put("userId", userId).put("status", status),
      new DeliveryOptions().setLocalOnly(true));
  }

  /**
   * Tells every node's fan-out and the user's rooms that he came online or went offline,
   * cluster-wide; completes once it is published.
   */
  private Future<Void> toRooms(String userId, String status) {
    // Every node's fan-out cache first: it should not wait for the rooms' lookup.
    vertx.eventBus().publish(Addresses.PRESENCE_GLOBAL, new JsonObject().put("userId", userId).put("status", status));
    return rooms.roomIdsOf(userId).<Void>map(roomIds -> {
      JsonObject event = new JsonObject().put("type", "presence").put("userId", userId).put("status", status);
      roomIds.forEach(roomId -> FeedEvents.publish(vertx, roomId, event));
      return null;
    }).recover(e -> {
      log.warn("presence event for user={} not sent to rooms: {}", userId, e.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * Runs a user's presence steps one after another, whatever the previous one's outcome. A connect,
   * a refresh and a disconnect each read then write the shared entry, then read the user's rooms:
   * interleaved, a refresh could claim a user who just left, and "offline" could reach his rooms
   * before the "online" it follows.
   */
  private <T> Future<T> inTurn(String userId, Supplier<Future<T>> step) {
    Future<?> before = turns.getOrDefault(userId, Future.succeededFuture());
    Future<T> mine = before.transform(ar -> step.get());
    turns.put(userId, mine);
    mine.onComplete(ar -> turns.remove(userId, mine));
    return mine;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(sweeper);
    // A clean stop releases at once, and tells the rooms of those it held alone: no other node's
    // sweep will find their entries any more. Only a crash leaves claims to lapse.
    List<Future<Void>> released = new ArrayList<>();
    for (String userId : socketsByUser.keySet()) {
      released.add(release(userId).compose(gone -> gone ? toRooms(userId, "offline") : Future.succeededFuture()));
    }
    return Future.join(released).eventually(() -> cql.close());
  }
}
