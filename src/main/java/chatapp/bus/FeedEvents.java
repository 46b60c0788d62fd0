package chatapp.bus;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The bodies published to a room's feed ({@link Addresses#roomFeed}): one event each (a message,
 * a join, a leave, a presence change), or a run of the room's messages in order, as
 * {@code {type: "messages", messages: [...]}}. A run is what one stored batch held for the room:
 * published as one, it reaches each socket as one write.
 */
public final class FeedEvents {

  /** The header of a {@link Addresses#ROOM_FEEDS} publish that names its room. */
  public static final String ROOM_ID = "roomId";
  /** The header of a {@link Addresses#ROOM_FEEDS} publish that names the instance it came from. */
  private static final String ORIGIN = "chat.feed-origin";

  private static final String RUN = "messages";

  private FeedEvents() {
  }

  /**
   * Publishes {@code body} to {@code roomId}'s feed on every node: on this one straight to its
   * local feed, on the others through their relays ({@link Addresses#ROOM_FEEDS}), which skip what
   * came from their own node. Nobody may change {@code body} afterwards: a node's sockets share the
   * one instance ({@link SharedJson}).
   */
  public static void publish(Vertx vertx, String roomId, JsonObject body) {
    vertx.eventBus().publish(Addresses.roomFeed(roomId), body, SharedJson.options().setLocalOnly(true));
    if (vertx.isClustered()) {
      vertx.eventBus().publish(Addresses.ROOM_FEEDS, body,
        SharedJson.options().addHeader(ROOM_ID, roomId).addHeader(ORIGIN, origin(vertx)));
    }
  }

  /** This Vert.x instance's name as the origin of what it publishes to {@link Addresses#ROOM_FEEDS}. */
  static String origin(Vertx vertx) {
    LocalMap<String, String> names = vertx.sharedData().getLocalMap(ORIGIN);
    String name = names.get(ORIGIN);
    if (name == null) {
      names.putIfAbsent(ORIGIN, UUID.randomUUID().toString());
      name = names.get(ORIGIN);
    }
    return name;
  }

  /** Whether a {@link Addresses#ROOM_FEEDS} publish came from this Vert.x instance (its sockets have it already). */
  public static boolean fromHere(Vertx vertx, MultiMap headers) {
    return origin(vertx).equals(headers.get(ORIGIN));
  }

  /** The feed body for {@code messages} of one room, in order: the message itself when it is alone. */
  public static JsonObject run(List<JsonObject> messages) {
    return messages.size() == 1 ? messages.get(0) : new JsonObject().put("type", RUN).put("messages", new JsonArray(messages));
  }

  /**
   * The events a feed body holds, in order. Each is taken out once: from another node's bus a
   * JSON array wraps a new instance on every read, and a socket's frame cache knows a body by its
   * instance.
   */
  public static List<Object> split(Object body) {
    if (body instanceof JsonObject b && RUN.equals(b.getString("type"))) {
      JsonArray array = b.getJsonArray("messages");
      List<Object> events = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        events.add(array.getJsonObject(i));
      }
      return events;
    }
    return List.of(body);
  }
}
