package chatapp.chat.store;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** A chat room. {@code createdAt} bounds history reads: no message is older than its room. */
public record Room(String roomId, String name, String createdBy, Instant createdAt) {

  public JsonObject toJson() {
    return new JsonObject()
      .put("roomId", roomId)
      .put("name", name)
      .put("createdBy", createdBy)
      .put("createdAt", createdAt.toString());
  }
}
