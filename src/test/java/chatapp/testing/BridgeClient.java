package chatapp.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * A real WebSocket client speaking the SockJS bridge's JSON frames over its raw WebSocket transport
 * ({@code /eventbus/websocket}), as a browser's vertx-eventbus.js would over SockJS. It pings like
 * that client does, so the bridge keeps it.
 */
public final class BridgeClient implements AutoCloseable {

  public final Frames frames = new Frames();
  private final Vertx vertx;
  private final WebSocketClient client;
  private WebSocket ws;
  private long pinger = -1;
  private volatile Short closeStatus;

  private BridgeClient(Vertx vertx, WebSocketClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  public static Future<BridgeClient> connect(Vertx vertx, int port, String token) {
    return connect(vertx, port, token, new WebSocketClientOptions());
  }

  public static Future<BridgeClient> connect(Vertx vertx, int port, String token, WebSocketClientOptions options) {
    BridgeClient c = new BridgeClient(vertx, vertx.createWebSocketClient(options.setMaxFrameSize(1 << 20)));
    String uri = "/eventbus/websocket" + (token == null ? "" : "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    return c.client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
      .map(ws -> {
        c.ws = ws;
        // The bridge writes its frames as binary WebSocket messages on the raw transport.
        ws.textMessageHandler(text -> c.frames.add(new JsonObject(text)));
        ws.binaryMessageHandler(bytes -> c.frames.add(new JsonObject(bytes)));
        ws.closeHandler(v -> {
          c.closeStatus = ws.closeStatusCode();
          c.frames.closed();
        });
        c.pinger = vertx.setPeriodic(3000, t -> c.write(new JsonObject().put("type", "ping")));
        return c;
      })
      .onFailure(e -> c.client.close());
  }

  public void write(JsonObject frame) {
    ws.writeTextMessage(frame.encode());
  }

  public void writeRaw(String text) {
    ws.writeTextMessage(text);
  }

  public void register(String address) {
    write(new JsonObject().put("type", "register").put("address", address));
  }

  /** Registers for {@code address} and returns once the gateway says the registration is live. */
  public BridgeClient join(String address, JsonObject headers, Duration within) {
    register(address, headers);
    frames.await(Frames.registeredOn(address), within);
    return this;
  }

  public void register(String address, JsonObject headers) {
    write(new JsonObject().put("type", "register").put("address", address).put("headers", headers));
  }

  /** Sends with a reply address and waits for what comes back there: a "rec" reply or an "err" frame. */
  public JsonObject request(String address, JsonObject body) {
    return request(address, body, new JsonObject());
  }

  public JsonObject request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    write(new JsonObject().put("type", "send").put("address", address).put("headers", headers).put("body", body)
      .put("replyAddress", replyAddress));
    return frames.await(f -> replyAddress.equals(f.getString("address")), Duration.ofSeconds(20));
  }

  /** Sends and returns the reply address, for a caller that waits for the answer later. */
  public String sendAsync(String address, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    write(new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", replyAddress));
    return replyAddress;
  }

  public void pause() {
    ws.pause();
  }

  public void resume() {
    ws.resume();
  }

  public Short closeStatus() {
    return closeStatus;
  }

  @Override
  public void close() {
    vertx.cancelTimer(pinger);
    if (ws != null && !frames.isClosed()) {
      ws.close().await();
    }
    client.close().await();
  }
}
