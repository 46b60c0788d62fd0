package chatapp.chat.gateway;

import chatapp.testing.Frames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.time.Duration;
import java.util.UUID;

/** A bot's view of the gateway: a plain TCP socket speaking the TCP bridge's length-prefixed JSON frames. */
public final class TcpBridgeClient implements AutoCloseable {

  public final Frames frames = new Frames();
  private final NetClient client;
  private NetSocket socket;

  private TcpBridgeClient(NetClient client) {
    this.client = client;
  }

  public static Future<TcpBridgeClient> connect(Vertx vertx, int port) {
    TcpBridgeClient c = new TcpBridgeClient(vertx.createNetClient());
    return c.client.connect(port, "127.0.0.1").map(socket -> {
      c.socket = socket;
      // Each frame: a 4-byte big-endian length, then that many bytes of JSON.
      RecordParser parser = RecordParser.newFixed(4);
      parser.handler(new io.vertx.core.Handler<>() {
        boolean header = true;

        @Override
        public void handle(Buffer b) {
          if (header) {
            parser.fixedSizeMode(b.getInt(0));
          } else {
            c.frames.add(new JsonObject(b));
            parser.fixedSizeMode(4);
          }
          header = !header;
        }
      });
      socket.handler(parser);
      socket.closeHandler(v -> c.frames.closed());
      return c;
    });
  }

  public void write(JsonObject frame) {
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer().appendInt(json.length()).appendBuffer(json));
  }

  public JsonObject request(String address, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    write(new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", replyAddress));
    return frames.await(f -> replyAddress.equals(f.getString("address")), Duration.ofSeconds(20));
  }

  public void register(String address, JsonObject headers) {
    write(new JsonObject().put("type", "register").put("address", address).put("headers", headers));
  }

  @Override
  public void close() {
    client.close().await();
  }
}
