package chatapp.chat.gateway;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A socket with no transport that only records the message ids its room feeds hand it. */
final class RecordingSession extends ClientSession {
  final List<String> got = new CopyOnWriteArrayList<>();

  RecordingSession(RoomFeeds feeds) {
    super("u-recording", GatewayMetrics.SOCKJS, 1 << 20, null, feeds);
  }

  @Override
  void deliverPublished(String address, String messageId, Object body) {
    got.add(messageId);
  }

  @Override
  protected Future<Void> transportWrite(Buffer frame) {
    return Future.succeededFuture();
  }

  @Override
  protected void transportClose(int code, String reason) {
  }

  @Override
  protected Buffer encode(JsonObject frame) {
    return frame.toBuffer();
  }

  @Override
  protected JsonObject delivery(String address, Object body) {
    return new JsonObject().put("address", address).put("body", body);
  }

  @Override
  protected Buffer deliveryFrame(String address, Object body) {
    return delivery(address, body).toBuffer();
  }
}
