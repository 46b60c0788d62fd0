package chatapp.notification;

import chatapp.proto.notification.Notification;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * One coalesced notification: a user's messages in one room since he last read them. Twenty
 * messages make one notification with {@code count} 20 and the newest message's preview.
 *
 * @param roomId   the room, empty for a direct notification (SendNotification without a room)
 * @param count    unread messages, or, once read, how many were read last time
 * @param updatedAt epoch milliseconds of the latest message
 * @param readAt   epoch milliseconds of the last mark-read, 0 if never
 * @param unreadIds the ids of the unread messages (internal: what a mark-read removes)
 */
public record UserNotification(String userId, String roomId, int count, String latestPreview, String latestMessageId,
                               String latestSender, long updatedAt, boolean unread, long readAt, Set<String> unreadIds) {

  /** The item format the stream, the sockets and the webhook share (README, "Notifications"). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("roomId", roomId)
      .put("count", count)
      .put("latestPreview", latestPreview)
      .put("latestMessageId", latestMessageId)
      .put("latestSender", latestSender)
      .put("updatedAt", updatedAt)
      .put("unread", unread);
    if (readAt > 0) {
      json.put("readAt", readAt);
    }
    return json;
  }

  /** What a push channel receives: the item, whom it is for, and keys to dedupe and collapse by. */
  public JsonObject toPush() {
    return toJson()
      .put("userId", userId)
      // Same message, same id: a receiver can drop a redelivery (delivery is at least once).
      .put("id", userId + "/" + roomId + "/" + latestMessageId)
      // A newer push for the same key replaces an older one on the device (FCM collapse_key, apns-collapse-id).
      .put("collapseKey", userId + "/" + roomId);
  }

  public Notification toProto() {
    return Notification.newBuilder()
      .setRoomId(roomId)
      .setCount(count)
      .setLatestPreview(latestPreview)
      .setLatestMessageId(latestMessageId)
      .setLatestSender(latestSender)
      .setUpdatedAt(updatedAt)
      .setUnread(unread)
      .setReadAt(readAt)
      .build();
  }
}
