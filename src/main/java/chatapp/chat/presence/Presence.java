package chatapp.chat.presence;

import chatapp.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who is online, cluster-wide. A thin handle usable from any verticle: socket changes go to this
 * node's {@link PresenceVerticle} (which owns the node's state), reads go to the shared map.
 *
 * <p>The shared map ({@value #MAP}) holds, per user, the nodes that have a socket of his and until
 * when that claim holds: {@code {"node-a": expiresAtMillis, ...}}. A node refreshes its claims
 * every few seconds, so the claims of a node that died lapse on their own within the TTL: a user is
 * online while any claim is unexpired. In a cluster the map is the cluster manager's.
 */
public final class Presence {

  public static final String MAP = "chat.presence";

  private final Vertx vertx;

  private Presence(Vertx vertx) {
    this.vertx = vertx;
  }

  public static Presence create(Vertx vertx) {
    return new Presence(vertx);
  }

  public Future<Void> connected(String userId, String socketId) {
    return vertx.eventBus().request(Addresses.PRESENCE_CONNECT, new JsonObject().put("userId", userId).put("socketId", socketId))
      .mapEmpty();
  }

  public Future<Void> disconnected(String userId, String socketId) {
    return vertx.eventBus().request(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("userId", userId).put("socketId", socketId))
      .mapEmpty();
  }

  /** The users among {@code userIds} with at least one live socket on any node. */
  public Future<Set<String>> online(Collection<String> userIds) {
    return map(vertx).compose(map -> {
      List<String> ids = new ArrayList<>(userIds);
      List<Future<JsonObject>> claims = new ArrayList<>();
      for (String id : ids) {
        claims.add(map.get(id));
      }
      // Every read or none: a user whose claim could not be read is not known to be offline, and
      // the fan-out that asked fails and is retried rather than notifying him (and caching that).
      return Future.all(claims).map(all -> {
        long now = System.currentTimeMillis();
        Set<String> online = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
          if (live(all.resultAt(i), now)) {
            online.add(ids.get(i));
          }
        }
        return online;
      });
    });
  }

  /** The users with a socket on this node (what this node reports to the notification service). */
  public Future<Set<String>> localUsers() {
    return vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_LOCAL, null).map(reply -> {
      Set<String> users = new HashSet<>();
      JsonArray ids = reply.body().getJsonArray("userIds");
      ids.forEach(id -> users.add((String) id));
      return users;
    });
  }

  static Future<AsyncMap<String, JsonObject>> map(Vertx vertx) {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  /** True when any node's claim in {@code claims} is still unexpired at {@code now}. */
  static boolean live(JsonObject claims, long now) {
    if (claims == null) {
      return false;
    }
    for (String node : claims.fieldNames()) {
      if (claims.getLong(node) > now) {
        return true;
      }
    }
    return false;
  }
}
