package chatapp.bus;

import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A chat message as it travels on the bus and in Kafka (the record value is {@link #toJson()}).
 *
 * @param roomId    the room, also the Kafka key: one room's messages stay in one partition, in order
 * @param messageId a time-based UUID (TIMEUUID): sorts by time, unique across nodes
 * @param senderId  the authenticated sender, never taken from what a client claims
 * @param body      the text
 * @param sentAt    epoch milliseconds when the service accepted it (the time inside {@code messageId})
 * @param offset    its Kafka offset, the room's order, once it was consumed; {@link #NO_OFFSET} before
 *                  (or when stored before the store kept it). Not part of {@link #toJson()}: the
 *                  record carries it itself, and clients have no use for it
 */
public record ChatMessage(String roomId, UUID messageId, String senderId, String body, long sentAt, long offset) {

  public static final long NO_OFFSET = -1;

  public ChatMessage(String roomId, UUID messageId, String senderId, String body, long sentAt) {
    this(roomId, messageId, senderId, body, sentAt, NO_OFFSET);
  }

  /** This message as consumed at {@code offset} of its room's partition. */
  public ChatMessage at(long offset) {
    return new ChatMessage(roomId, messageId, senderId, body, sentAt, offset);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("roomId", roomId)
      .put("messageId", messageId.toString())
      .put("senderId", senderId)
      .put("body", body)
      .put("sentAt", sentAt);
  }

  /**
   * The longest room id a message may name, in UTF-8 bytes. The room id is part of a CQL partition
   * key, which takes at most 64 KiB; the API's rooms take 64 characters.
   */
  static final int MAX_ROOM_ID_BYTES = 1024;

  /**
   * Reads a message written by {@link #toJson()}; throws IllegalArgumentException naming what is
   * wrong. Whatever passes can be stored: a record that could not would hold its Kafka partition
   * for good, so the consumer parks what this refuses.
   */
  public static ChatMessage fromJson(JsonObject json) {
    ChatMessage m;
    try {
      m = new ChatMessage(
        required(json, "roomId"),
        UUID.fromString(required(json, "messageId")),
        required(json, "senderId"),
        required(json, "body"),
        json.getLong("sentAt"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed chat message: " + e.getMessage(), e);
    }
    // The time in the id picks the message log's partition (a room's day) and orders the room.
    if (m.messageId.version() != 1) {
      throw new IllegalArgumentException("malformed chat message: messageId " + m.messageId + " is not a time-based UUID (version 1)");
    }
    // A char is at most 3 bytes of UTF-8 (a surrogate pair, 4 for 2): only a long id is encoded to tell.
    if (m.roomId.length() * 3 > MAX_ROOM_ID_BYTES && m.roomId.getBytes(StandardCharsets.UTF_8).length > MAX_ROOM_ID_BYTES) {
      throw new IllegalArgumentException("malformed chat message: roomId longer than " + MAX_ROOM_ID_BYTES + " bytes");
    }
    return m;
  }

  private static String required(JsonObject json, String field) {
    String value = json.getString(field);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("malformed chat message: no " + field);
    }
    return value;
  }
}
