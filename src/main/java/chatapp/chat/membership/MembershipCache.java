package chatapp.chat.membership;

import chatapp.bus.Addresses;
import chatapp.chat.store.RoomStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who is a member of which room, remembered per room: the gateway checks one member on every send
 * and registration, the fan-out needs a room's whole list for every message; neither should cost a
 * CQL read each time.
 *
 * <p>Invalidation: every cache listens on {@link Addresses#MEMBERSHIP_CHANGED}, which the REST API
 * publishes once a join or leave is written ({@link #changed}); on the clustered bus that reaches
 * every node, and the room is forgotten. A read that was in flight when such an event arrived is not
 * remembered (it may predate the change). The TTL ({@code ttlMs}) is the backstop for changes made
 * behind the API's back and for a lost event. A "no" is never remembered: {@link #isMember}
 * re-checks it (one row), so a join counts at once even before its event arrives.
 *
 * <p>Bounded to {@code maxRooms}, oldest out. Not thread-safe: one per verticle, created and used on
 * its event loop (the invalidation consumer is registered on that context).
 */
public final class MembershipCache {

  private final RoomStore rooms;
  private final long ttlMs;
  private final int maxRooms;
  /** Room to what is known of it; insertion order is age order (an entry is replaced, never renewed). */
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  /** Whole-list reads in flight: messages of one room arriving together share one read. */
  private final Map<String, Future<Set<String>>> loading = new HashMap<>();
  /** Counts invalidations received; a read that saw another count than at its start is not remembered. */
  private long epoch;

  /**
   * Some members of a room ({@code complete}: all of them), believed until {@code until}. The set is
   * immutable, replaced when a member is added, so a caller may hold it across an asynchronous step.
   */
  private record Entry(Set<String> members, boolean complete, long until) {
  }

  public MembershipCache(Vertx vertx, RoomStore rooms, long ttlMs, int maxRooms) {
    this.rooms = rooms;
    this.ttlMs = ttlMs;
    this.maxRooms = maxRooms;
    vertx.eventBus().<JsonObject>consumer(Addresses.MEMBERSHIP_CHANGED, m -> invalidate(m.body().getString("roomId")));
  }

  /** Tells every node's caches that {@code userId} {@code status} ("joined", "left") {@code roomId}; call once it is written. */
  public static void changed(Vertx vertx, String roomId, String userId, String status) {
    vertx.eventBus().publish(Addresses.MEMBERSHIP_CHANGED,
      new JsonObject().put("roomId", roomId).put("userId", userId).put("status", status));
  }

  public Future<Boolean> isMember(String roomId, String userId) {
    Entry entry = fresh(roomId);
    if (entry != null && entry.members.contains(userId)) {
      return Future.succeededFuture(true);
    }
    long seen = epoch;
    return rooms.isMember(roomId, userId).onSuccess(member -> {
      if (member && seen == epoch) {
        Entry current = fresh(roomId);
        Set<String> members = new LinkedHashSet<>();
        if (current != null) {
          members.addAll(current.members);
        }
        members.add(userId);
        // Adding what is true now keeps the entry's age: a complete list stays complete.
        remember(roomId, new Entry(Collections.unmodifiableSet(members), current != null && current.complete,
          current != null ? current.until : System.currentTimeMillis() + ttlMs));
      }
    });
  }

  /** Every member of the room (read-only). */
  public Future<Set<String>> members(String roomId) {
    Entry entry = fresh(roomId);
    if (entry != null && entry.complete) {
      return Future.succeededFuture(entry.members);
    }
    Future<Set<String>> pending = loading.get(roomId);
    if (pending != null) {
      return pending;
    }
    long seen = epoch;
    Future<Set<String>> load = rooms.members(roomId).map(list -> Collections.unmodifiableSet(new LinkedHashSet<>(list)));
    loading.put(roomId, load);
    load.onComplete(ar -> {
      loading.remove(roomId, load);
      if (ar.succeeded() && seen == epoch) {
        remember(roomId, new Entry(ar.result(), true, System.currentTimeMillis() + ttlMs));
      }
    });
    return load;
  }

  private void invalidate(String roomId) {
    epoch++;
    entries.remove(roomId);
    loading.remove(roomId);
  }

  private Entry fresh(String roomId) {
    Entry entry = entries.get(roomId);
    if (entry != null && entry.until <= System.currentTimeMillis()) {
      entries.remove(roomId);
      return null;
    }
    return entry;
  }

  private void remember(String roomId, Entry entry) {
    entries.remove(roomId);
    entries.put(roomId, entry);
    long now = System.currentTimeMillis();
    Iterator<Entry> oldest = entries.values().iterator();
    while (oldest.hasNext()) {
      Entry e = oldest.next();
      if (entries.size() <= maxRooms && e.until > now) {
        return;
      }
      oldest.remove();
    }
  }
}
