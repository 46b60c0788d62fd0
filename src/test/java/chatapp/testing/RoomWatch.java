package chatapp.testing;

import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the fan-out does for one room, seen from the event bus: the messages published to the room
 * ({@link #live}, in arrival order) and the hand-overs of its offline members to the notifier
 * ({@link #notified}). The fan-out hands over in the same step as it publishes, so by the time a
 * message's room copy is here, its hand-over was seen.
 */
public final class RoomWatch {

  public final List<JsonObject> live = new CopyOnWriteArrayList<>();
  public final List<JsonObject> notified = new CopyOnWriteArrayList<>();

  private RoomWatch() {
  }

  /** Starts watching {@code roomId}; returns once the room's consumer is registered. */
  public static RoomWatch start(Vertx vertx, String roomId) {
    RoomWatch watch = new RoomWatch();
    vertx.eventBus().consumer(Addresses.roomFeed(roomId), m -> {
      for (Object event : FeedEvents.split(m.body())) {
        if (event instanceof JsonObject e && "message".equals(e.getString("type"))) {
          watch.live.add(e);
        }
      }
    }).completion().await();
    // The notifier deployed with the chat service consumes this address: watch what is sent to it.
    vertx.eventBus().addOutboundInterceptor(ctx -> {
      if (Addresses.NOTIFY_OFFLINE.equals(ctx.message().address()) && ctx.body() instanceof JsonObject body
        && roomId.equals(body.getString("roomId"))) {
        watch.notified.add(body);
      }
      ctx.next();
    });
    return watch;
  }
}
