package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import chatapp.bus.SharedJson;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * This node's end of every room feed: takes what any node publishes to {@link Addresses#ROOM_FEEDS}
 * and hands it to the room's feed on this node only ({@link Addresses#roomFeed}), where the
 * gateway's event loops listen ({@code RoomFeeds}).
 *
 * <p>The node that publishes hands its own sockets the event directly ({@link FeedEvents#publish}):
 * no hop through this verticle's event loop on the way, and on a single node none at all.
 *
 * <p>Why not let each node listen to each room's address cluster-wide: a member learns who listens
 * to an address asynchronously, from the cluster manager's events, after the listener's own
 * registration completed, and until then publishes to the nodes it knew. A socket whose room was new
 * to its node would miss what came in that moment, after its recovery read: a gap nobody repairs.
 * This one address is registered once per node, before its gateway accepts a socket, and never
 * changes after; each room's feed on a node is local and live as soon as it is registered. Other
 * members still learn of the relay itself asynchronously, in the node's first milliseconds: a socket
 * that registers in that instant could miss what another node publishes then (not seen in tests; the
 * node's HTTP and TCP ports open after several more deployments). The cost: every node gets every
 * room's traffic, once, whether or not a socket of its own is in the room.
 */
public final class RoomFeedRelayVerticle extends VerticleBase {

  private MessageConsumer<Object> consumer;

  @Override
  public Future<?> start() {
    SharedJson.register(vertx);
    DeliveryOptions local = SharedJson.options().setLocalOnly(true);
    consumer = vertx.eventBus().consumer(Addresses.ROOM_FEEDS, (Message<Object> m) -> {
      if (!FeedEvents.fromHere(vertx, m.headers())) { // this node's own publishes reached its feeds directly
        vertx.eventBus().publish(Addresses.roomFeed(m.headers().get(FeedEvents.ROOM_ID)), m.body(), local);
      }
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
