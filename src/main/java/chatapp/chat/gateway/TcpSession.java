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
 * holds its own bus consumers (one per registered address) and writes their frames itself, in the
 * TCP bridge's framing: a 4-byte big-endian length, then the JSON.
 */
final class TcpSession extends ClientSession {

  /** Deliveries, encoded once per publish and event loop for all the sockets that get it. */
  private static final FrameCache DELIVERIES = new FrameCache((address, body) -> frame(envelope(address, body)));

  private final NetSocket socket;
  private final Map<String, MessageConsumer<Object>> consumers = new HashMap<>();

  TcpSession(NetSocket socket, String userId, long maxOutboundBytes, GatewayMetrics metrics) {
    super(userId, GatewayMetrics.TCP, maxOutboundBytes, metrics);
    this.socket = socket;
  }

  static Buffer frame(JsonObject json) {
    Buffer payload = json.toBuffer();
    return Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload);
  }

  int listening() {
    return consumers.size();
  }

  /** Starts delivering {@code address} to this socket; completes once the consumer is live. */
  Future<Void> listen(EventBus bus, String address) {
    MessageConsumer<Object> consumer = bus.consumer(address, m -> {
      Object body = m.body();
      String messageId = body instanceof JsonObject b && "message".equals(b.getString("type")) ? b.getString("messageId") : null;
      deliver(address, messageId, DELIVERIES.frame(address, body));
    });
    consumers.put(address, consumer);
    return consumer.completion();
  }

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
  protected void transportClose(String reason) {
    socket.close();
  }

  @Override
  protected Buffer encode(JsonObject frame) {
    return frame(frame);
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
