package chatapp.notification;

import chatapp.proto.chat.NotificationResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;

import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is online, as the chat nodes' presence streams report it: one set of users per open stream
 * (one stream per chat node). A user is online while any stream says so; a stream that ends or
 * breaks takes its users with it, and the chat node replays its whole set when it reconnects, so
 * the view converges after any break. Touched only on the notification server's event loop.
 */
final class PresenceView {

  private final Map<WriteStream<NotificationResponse>, Set<String>> byStream = new IdentityHashMap<>();

  void opened(WriteStream<NotificationResponse> stream) {
    byStream.put(stream, new HashSet<>());
  }

  /** Forgets the stream and its users; true if it was open. */
  boolean closed(WriteStream<NotificationResponse> stream) {
    return byStream.remove(stream) != null;
  }

  boolean isOpen(WriteStream<NotificationResponse> stream) {
    return byStream.containsKey(stream);
  }

  void update(WriteStream<NotificationResponse> stream, String userId, boolean connected) {
    Set<String> users = byStream.get(stream);
    if (users == null) {
      return;
    }
    if (connected) {
      users.add(userId);
    } else {
      users.remove(userId);
    }
  }

  boolean isOnline(String userId) {
    for (Set<String> users : byStream.values()) {
      if (users.contains(userId)) {
        return true;
      }
    }
    return false;
  }

  int online() {
    Set<String> all = new HashSet<>();
    byStream.values().forEach(all::addAll);
    return all.size();
  }

  /**
   * Pushes items to the user on every stream that reports him online; true if any took them. A copy
   * is walked: a stream found reset is forgotten on the way.
   */
  boolean push(String userId, List<UserNotification> items) {
    boolean pushed = false;
    for (Map.Entry<WriteStream<NotificationResponse>, Set<String>> e : List.copyOf(byStream.entrySet())) {
      if (e.getValue().contains(userId)) {
        pushed |= write(e.getKey(), userId, items);
      }
    }
    return pushed;
  }

  /** Writes items to one stream if it is still open; false if it was not, or turned out reset. */
  boolean write(WriteStream<NotificationResponse> stream, String userId, List<UserNotification> items) {
    if (!isOpen(stream)) {
      return false;
    }
    JsonArray array = new JsonArray();
    items.forEach(n -> array.add(n.toJson()));
    String update = new JsonObject().put("type", "notifications").put("items", array).encode();
    try {
      stream.write(NotificationResponse.newBuilder().setUserId(userId).setUpdate(update).build());
      return true;
    } catch (IllegalStateException broken) {
      // Reset by the peer before its error was reported: it is gone, and so are its users.
      closed(stream);
      return false;
    }
  }
}
