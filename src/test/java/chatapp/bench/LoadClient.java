package chatapp.bench;

import chatapp.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One benchmark user: a WebSocket on the SockJS bridge's raw transport, registered for one room.
 * It sends messages whose body carries the send time, and records send-to-ack for its own sends
 * and send-to-delivered for every message its room delivers to it (everything runs in one JVM, so
 * {@link System#nanoTime()} is one clock).
 */
final class LoadClient {

  /** What every client of a phase adds to. */
  static final class Tally {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    /** Messages back at their own sender: stored, fanned out and delivered, counted once each. */
    final AtomicLong storedRoundTrips = new AtomicLong();
    /** Sockets the server closed (a slow consumer's 4008, say): their users stop receiving. */
    final AtomicLong closed = new AtomicLong();
    final ConcurrentHistogram toAck = new ConcurrentHistogram(3);
    /** By interval: the benchmark takes one a second (how the tail is spread over time) and adds them up. */
    final Recorder toDelivered = new Recorder(3);
    volatile boolean recording;
  }

  /** The start of a benchmark message's text, which carries its send time: "bench <nanoTime> ...". */
  private static final String BENCH_TEXT = "\"body\":\"bench ";

  private final String roomId;
  private final String userId;
  private final String address;
  private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();
  private final String padding;
  /** How a room's message frame names this client's room, and its own sends. */
  private final String addressField;
  private final String senderField;
  private volatile Tally tally;
  /** What drives this client: told of its own messages' deliveries, its refused sends and a close. */
  private volatile Load load;
  private final Vertx vertx;
  private WebSocket ws;
  private long pinger;
  /** False once the socket closed; {@code closing}: we closed it. */
  private volatile boolean open = true;
  private volatile boolean closing;
  private boolean errorSeen;

  private LoadClient(Vertx vertx, String roomId, String userId, int bodyBytes) {
    this.vertx = vertx;
    this.roomId = roomId;
    this.userId = userId;
    this.address = Addresses.room(roomId);
    this.padding = "x".repeat(Math.max(0, bodyBytes - 40));
    this.addressField = "\"address\":\"" + address + "\"";
    this.senderField = "\"senderId\":\"" + userId + "\"";
  }

  /**
   * Connects, registers for the room and completes once the gateway says the registration is live;
   * fails if the gateway refuses it (an error frame) or closes the socket first.
   */
  static Future<LoadClient> join(Vertx vertx, WebSocketClient client, int port, String token, String userId, String roomId,
                                 int bodyBytes) {
    LoadClient c = new LoadClient(vertx, roomId, userId, bodyBytes);
    Promise<LoadClient> live = Promise.promise();
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket?token=" + token))
      .compose(ws -> {
        c.ws = ws;
        ws.binaryMessageHandler(b -> c.frame(b.toString(), live));
        ws.textMessageHandler(t -> c.frame(t, live));
        ws.closeHandler(v -> c.closed(live));
        c.pinger = vertx.setPeriodic(4000, t -> ws.writeTextMessage("{\"type\":\"ping\"}"));
        ws.writeTextMessage(new JsonObject().put("type", "register").put("address", c.address).encode());
        return live.future();
      });
  }

  /** Counts into {@code tally}, and tells {@code load} of this client's deliveries, refusals and close. */
  void measureInto(Tally tally, Load load) {
    this.tally = tally;
    this.load = load;
  }

  int inFlight() {
    return inFlight.size();
  }

  /** Sends one message, whose latencies count from {@code now} (a {@link System#nanoTime()}). */
  void send(long now) {
    String replyAddress = "b" + counter.incrementAndGet() + "-" + System.identityHashCode(this);
    inFlight.put(replyAddress, now);
    Tally t = tally;
    if (t != null) {
      t.sent.incrementAndGet();
    }
    ws.writeTextMessage(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND).put("replyAddress", replyAddress)
      .put("body", new JsonObject().put("roomId", roomId).put("body", "bench " + now + " " + padding)).encode());
  }

  /**
   * A room's message arrives once per member, ten times as often as an ack: it is read by looking
   * for the fields it needs, not parsed, so that the clients (in the JVM of the services they load)
   * cost as little as they can. Every other frame is parsed.
   */
  private void frame(String raw, Promise<LoadClient> live) {
    long now = System.nanoTime();
    Tally t = tally;
    int bench = raw.indexOf(BENCH_TEXT);
    if (bench >= 0 && raw.contains(addressField)) {
      if (t != null) {
        int from = bench + BENCH_TEXT.length();
        long sentAt = Long.parseLong(raw, from, raw.indexOf(' ', from), 10);
        t.delivered.incrementAndGet();
        if (t.recording) {
          t.toDelivered.recordValue(Math.max(0, now - sentAt));
        }
        if (raw.contains(senderField)) {
          t.storedRoundTrips.incrementAndGet();
          load.delivered(this);
        }
      }
      return;
    }
    JsonObject f = new JsonObject(raw);
    String at = f.getString("address");
    boolean err = "err".equals(f.getString("type"));
    Long sentAt = at == null ? null : inFlight.remove(at);
    if (sentAt == null) {
      if (err) {
        // The room's register refused (not a member, say), or a frame of ours refused: a join that
        // waited for "registered" would wait for good.
        live.tryFail(new IllegalStateException(userId + " could not register for " + roomId + ": " + raw));
        if (!errorSeen) {
          errorSeen = true;
          System.out.printf("error frame to %s: %s%n", userId, raw);
        }
      } else if (address.equals(at) && f.getValue("body") instanceof JsonObject body && "registered".equals(body.getString("type"))) {
        live.tryComplete(this);
      }
      return;
    }
    if (t != null) {
      if (err) {
        t.refused.incrementAndGet();
        load.refused(this);
      } else {
        t.acked.incrementAndGet();
        if (t.recording) {
          t.toAck.recordValue(Math.max(0, now - sentAt));
        }
      }
    }
  }

  boolean isOpen() {
    return open;
  }

  /** The socket closed: the join fails if it was still waiting; a close we did not ask for is counted and said. */
  private void closed(Promise<LoadClient> live) {
    open = false;
    vertx.cancelTimer(pinger);
    String why = ws.closeStatusCode() == null ? "no close frame" : ws.closeStatusCode() + " " + ws.closeReason();
    live.tryFail(new IllegalStateException(userId + "'s socket closed before it registered: " + why));
    if (!closing) {
      Tally t = tally;
      if (t != null) {
        t.closed.incrementAndGet();
      }
      System.out.printf("socket of %s closed by the server: %s%n", userId, why);
      Load l = load;
      if (l != null) {
        l.closed(this);
      }
    }
  }

  /** Closes the socket; an already closed one counts as closed. */
  Future<Void> close() {
    closing = true;
    vertx.cancelTimer(pinger);
    return open ? ws.close().otherwiseEmpty() : Future.succeededFuture();
  }
}
