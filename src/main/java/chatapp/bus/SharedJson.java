package chatapp.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * A JSON body handed to every local consumer as the same instance. The default codec gives each
 * local consumer a deep copy (one of them could change it), which for a room's message meant one
 * copy per socket on the node, and then one encoding per socket of identical frames. With one
 * instance, the gateway encodes a publish once for all its sockets ({@code FrameCache}). Only for
 * bodies that nobody changes once published; between nodes it travels as JSON, as with the
 * default codec. A member receiving it looks it up by name, so every cluster member registers it
 * ({@code Cluster.start} does), and so does the publisher, for a single JVM.
 */
public final class SharedJson implements MessageCodec<JsonObject, JsonObject> {

  public static final String NAME = "chat.shared-json";

  /** Registers the codec on this Vert.x instance, once; later calls do nothing. */
  public static synchronized void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new SharedJson());
    } catch (IllegalStateException alreadyRegistered) {
      // each verticle that publishes or receives with it calls this; the first one wins
    }
  }

  /** Options of a send or publish whose body travels with this codec. */
  public static DeliveryOptions options() {
    return new DeliveryOptions().setCodecName(NAME);
  }

  @Override
  public void encodeToWire(Buffer buffer, JsonObject json) {
    Buffer encoded = json.toBuffer();
    buffer.appendInt(encoded.length()).appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
  }

  @Override
  public JsonObject transform(JsonObject json) {
    return json;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
