package chatapp.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Messages of one Kafka partition in its order, as the consumer hands them to the writer
 * ({@link Addresses#STORE}) and then to the fan-out ({@link Addresses#FANOUT}): one request per
 * batch rather than two per message, and no JSON between them (these addresses are node-local, so
 * the body is handed over as it is; between nodes it would travel as JSON).
 *
 * @param messages      in the partition's order, which is each room's order
 * @param storedAtNanos {@link System#nanoTime()} when the batch was stored, for the fan-out's
 *                      store-to-published timer; 0 before
 */
public record MessageBatch(List<ChatMessage> messages, long storedAtNanos) {

  /**
   * Header of a batch sent again after an attempt that reached its recipient and failed there (or
   * timed out): the fan-out published it then, and publishes it only once, so a retry of its
   * offline lookups does not send the room's sockets a copy per attempt.
   */
  public static final String REPEATED = "chat.repeated";

  public MessageBatch {
    messages = List.copyOf(messages);
  }

  public MessageBatch stored(long nanos) {
    return new MessageBatch(messages, nanos);
  }

  /** Makes the batch the bus's default for its type on this Vert.x instance, once; later calls do nothing. */
  public static synchronized void register(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(MessageBatch.class, new Codec());
    } catch (IllegalStateException alreadyRegistered) {
      // the consumer, the writer and the fan-out each call this; the first one wins
    }
  }

  private static final class Codec implements MessageCodec<MessageBatch, MessageBatch> {

    @Override
    public void encodeToWire(Buffer buffer, MessageBatch batch) {
      JsonArray messages = new JsonArray();
      batch.messages().forEach(m -> messages.add(m.toJson()));
      Buffer encoded = new JsonObject().put("messages", messages).put("storedAtNanos", batch.storedAtNanos()).toBuffer();
      buffer.appendInt(encoded.length()).appendBuffer(encoded);
    }

    @Override
    public MessageBatch decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      JsonObject json = new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
      List<ChatMessage> messages = new ArrayList<>();
      json.getJsonArray("messages").forEach(m -> messages.add(ChatMessage.fromJson((JsonObject) m)));
      return new MessageBatch(messages, json.getLong("storedAtNanos"));
    }

    @Override
    public MessageBatch transform(MessageBatch batch) {
      return batch; // immutable
    }

    @Override
    public String name() {
      return "chat.message-batch";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
