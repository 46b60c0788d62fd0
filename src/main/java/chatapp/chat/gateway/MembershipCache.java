package chatapp.chat.gateway;

import chatapp.chat.store.RoomStore;
import io.vertx.core.Future;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who is a member of which room, as the gateway checks it on every send and registration. Only a
 * "yes" is remembered, for {@code ttlMs}: a join counts at once, a leave within the TTL (the socket
 * sweep then revokes what the leaver still receives). Bounded to {@code maxEntries}, oldest out.
 * Not thread-safe: one per verticle, used on its event loop.
 */
final class MembershipCache {

  private final RoomStore rooms;
  private final long ttlMs;
  private final int maxEntries;
  /** room and user to the time the "yes" lapses; insertion order is age order. */
  private final Map<String, Long> members = new LinkedHashMap<>();

  MembershipCache(RoomStore rooms, long ttlMs, int maxEntries) {
    this.rooms = rooms;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  Future<Boolean> isMember(String roomId, String userId) {
    String key = roomId.length() + ":" + roomId + userId;
    long now = System.currentTimeMillis();
    Long until = members.get(key);
    if (until != null && until > now) {
      return Future.succeededFuture(true);
    }
    return rooms.isMember(roomId, userId).onSuccess(member -> {
      members.remove(key);
      if (member) {
        members.put(key, now + ttlMs);
        evict(now);
      }
    });
  }

  private void evict(long now) {
    Iterator<Long> oldest = members.values().iterator();
    while (oldest.hasNext()) {
      long until = oldest.next();
      if (members.size() <= maxEntries && until > now) {
        return;
      }
      oldest.remove();
    }
  }
}
