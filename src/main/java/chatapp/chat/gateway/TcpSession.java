package chatapp.chat.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;

import java.util.HashMap;
import java.util.Map;

/**
 * A client on the TCP bridge. The TCP bridge has no hook on outbound messages, so this session
 * listens itself (its rooms on the node's {@link RoomFeeds}, its user address with a bus consumer
 * of its own) and writes the frames itself, in the
 * TCP bridge's framing: a 4-byte big-endian length, then the JSON.
 */
final class TcpSession extends ClientSession {

  /** Deliveries, encoded once per publish and event loop for all the sockets that get it. */
  private static final FrameCache DELIVERIES = new FrameCache((address, body) -> frame(envelope(address, body)));

  private final NetSocket socket;
  /** Bus consumers of the addresses that are not rooms (the user's own); rooms come from {@link RoomFeeds}. */
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();

  TcpSession(NetSocket socket, String userId, long maxOutboundBytes, GatewayMetrics metrics, RoomFeeds feeds) {
    super(userId, GatewayMetrics.TCP, maxOutboundBytes, metrics, feeds);
    this.socket = socket;
  }

  static Buffer frame(JsonObject json) {
    Buffer payload = json.toBuffer();
    return Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload);
  }

  int listening() {
    return consumers.size() + roomsListenedTo();
  }

  /** Starts delivering {@code address} to this socket; completes once that is live. */
  Future<Void> listen(EventBus bus, String address) {
    if (BridgeRules.roomOf(address) != null) {
      return listenToRoom(address);
    }
    MessageConsumer<Object> consumer = bus.consumer(address, m -> deliverPublished(address, messageIdOf(m.body()), m.body()));
    consumers.put(address, consumer);
    return consumer.completion();
  }

  /** Stops delivering {@code address} (a room leaves its feed when the base session stops listening to it). */
  void unlisten(String address) {
    MessageConsumer<Object> consumer = consumers.remove(address);
    if (consumer != null) {
      consumer.unregister();
    }
  }

  @Override
  protected void onRevoked(String address) {
    unlisten(address);
  }

  @Override
  void close() {
    super.close();
    consumers.values().forEach(MessageConsumer::unregister);
    consumers.clear();
  }

  @Override
  protected Future<Void> transportWrite(Buffer frame) {
    return socket.write(frame);
  }

  @Override
  protected void transportClose(int code, String reason) {
    socket.close();
  }

  @Override
  protected Buffer encode(JsonObject frame) {
    return frame(frame);
  }

  @Override
  protected Buffer deliveryFrame(String address, Object body) {
    return DELIVERIES.frame(address, body);
  }

  @Override
  protected JsonObject delivery(String address, Object body) {
    return envelope(address, body);
  }

  /** The TCP bridge's own shape for a published message. */
  private static JsonObject envelope(String address, Object body) {
    return new JsonObject().put("type", "message").put("address", address).put("send", false).put("body", body);
  }
}
