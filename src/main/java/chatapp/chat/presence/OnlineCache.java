package chatapp.chat.presence;

import chatapp.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is online, as the fan-out needs it for every message: {@link Presence#online} answered from a
 * node-local copy instead of the shared map. In a cluster every read of that map is a Hazelcast
 * operation (a worker-thread hop, often a network round trip), ten of them per message of a room of
 * ten: that, not the store, capped a node's rate.
 *
 * <p>The copy stays right because every change is announced: a user going online or offline
 * cluster-wide ({@link Addresses#PRESENCE_GLOBAL}, from whichever node saw it, including the sweep
 * after a node died) drops his entry at once, and the next message of his rooms reads the shared
 * map again. The announcement only says that something changed, not what: two of them from two
 * nodes (his socket on one closed, then one on another opened) travel on different connections and
 * may come in either order, and the map, written in the order they happened, is right either way.
 * Entries also expire after {@code ttlMs}, so an announcement lost with a crashing node is wrong for
 * that long at most. A read that was under way when an announcement arrived is not kept: it may
 * predate it.
 */
public final class OnlineCache {

  private record Entry(boolean online, long expiresAt) {
  }

  private final Presence presence;
  private final long ttlMs;
  private final int maxEntries;
  private final Map<String, Entry> entries = new HashMap<>();
  private final MessageConsumer<JsonObject> announcements;
  /** Bumped by every announcement: a read started before one is not cached. */
  private long epoch;

  public OnlineCache(Vertx vertx, long ttlMs, int maxEntries) {
    this.presence = Presence.create(vertx);
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.announcements = vertx.eventBus().consumer(Addresses.PRESENCE_GLOBAL, msg -> {
      epoch++;
      entries.remove(msg.body().getString("userId"));
    });
  }

  /** Completes once this node hears every announcement. */
  public Future<Void> ready() {
    return announcements.completion();
  }

  /** The users among {@code userIds} with a live socket on any node. */
  public Future<Set<String>> online(Collection<String> userIds) {
    long now = System.currentTimeMillis();
    Set<String> online = new HashSet<>();
    List<String> unknown = new ArrayList<>();
    for (String userId : userIds) {
      Entry e = entries.get(userId);
      if (e == null || e.expiresAt <= now) {
        unknown.add(userId);
      } else if (e.online) {
        online.add(userId);
      }
    }
    if (unknown.isEmpty()) {
      return Future.succeededFuture(online);
    }
    long readAt = epoch;
    return presence.online(unknown).map(found -> {
      if (readAt == epoch) {
        if (entries.size() + unknown.size() > maxEntries) {
          entries.clear(); // crude, and rare: a node serving this many users has the memory to raise the bound
        }
        long expiresAt = System.currentTimeMillis() + ttlMs;
        unknown.forEach(userId -> entries.put(userId, new Entry(found.contains(userId), expiresAt)));
      }
      online.addAll(found);
      return online;
    });
  }

  public Future<Void> close() {
    return announcements.unregister();
  }
}
