package chatapp.bus;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * A chat message as it travels on the bus and in Kafka (the record value is {@link #toJson()}).
 *
 * @param roomId    the room, also the Kafka key: one room's messages stay in one partition, in order
 * @param messageId a time-based UUID (TIMEUUID): sorts by time, unique across nodes
 * @param senderId  the authenticated sender, never taken from what a client claims
 * @param body      the text
 * @param sentAt    epoch milliseconds when the service accepted it (the time inside {@code messageId})
 */
public record ChatMessage(String roomId, UUID messageId, String senderId, String body, long sentAt) {

  public JsonObject toJson() {
    return new JsonObject()
      .put("roomId", roomId)
      .put("messageId", messageId.toString())
      .put("senderId", senderId)
      .put("body", body)
      .put("sentAt", sentAt);
  }

  /** Reads a message written by {@link #toJson()}; throws IllegalArgumentException naming a missing field. */
  public static ChatMessage fromJson(JsonObject json) {
    try {
      return new ChatMessage(
        required(json, "roomId"),
        UUID.fromString(required(json, "messageId")),
        required(json, "senderId"),
        required(json, "body"),
        json.getLong("sentAt"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed chat message: " + e.getMessage(), e);
    }
  }

  private static String required(JsonObject json, String field) {
    String value = json.getString(field);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("malformed chat message: no " + field);
    }
    return value;
  }
}
