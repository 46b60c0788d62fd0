package chatapp.chat.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** A client on the SockJS bridge: frames are the bridge's JSON envelopes, one per SockJS message. */
final class SockJsSession extends ClientSession {

  /** Deliveries, encoded once per publish and event loop for all the sockets that get it. */
  private static final FrameCache DELIVERIES = new FrameCache((address, body) -> envelope(address, body).toBuffer());

  private final SockJSSocket socket;

  SockJsSession(SockJSSocket socket, String userId, long maxOutboundBytes, GatewayMetrics metrics, RoomFeeds feeds) {
    super(userId, GatewayMetrics.SOCKJS, maxOutboundBytes, metrics, feeds);
    this.socket = socket;
  }

  @Override
  protected Future<Void> transportWrite(Buffer frame) {
    return socket.write(frame);
  }

  @Override
  protected void transportClose(int code, String reason) {
    // The raw WebSocket transport passes code and reason on; SockJS framing has its own close frame.
    socket.close(code, reason);
  }

  @Override
  protected Buffer encode(JsonObject frame) {
    return frame.toBuffer();
  }

  @Override
  protected JsonObject delivery(String address, Object body) {
    return envelope(address, body);
  }

  @Override
  protected Buffer deliveryFrame(String address, Object body) {
    return DELIVERIES.frame(address, body);
  }

  /** The bridge's own "rec" envelope, keys in its order. */
  private static JsonObject envelope(String address, Object body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body);
  }
}
