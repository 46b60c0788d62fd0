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

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One benchmark user: a WebSocket on the SockJS bridge's raw transport, registered for one room.
 * It sends messages whose body carries the send time, and records send-to-ack for its own sends
 * and send-to-delivered for every message its room delivers to it (everything runs in one JVM, so
 * {@link System#nanoTime()} is one clock). It counts the distinct messages it received, so that
 * each member can be checked against its room's acknowledged messages.
 */
final class LoadClient {

  /** What every client of a phase adds to. */
  static final class Tally {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    /** Distinct messages received, over all members. */
    final AtomicLong delivered = new AtomicLong();
    /** A message a member had already received. */
    final AtomicLong duplicates = new AtomicLong();
    /** Messages back at their own sender: stored, fanned out and delivered, counted once each. */
    final AtomicLong storedRoundTrips = new AtomicLong();
    /** Sockets the server closed (a slow consumer's 4008, say): their users stop receiving. */
    final AtomicLong closed = new AtomicLong();
    final ConcurrentHistogram toAck = new ConcurrentHistogram(3);
    /** By interval: the benchmark takes one a second (how the tail is spread over time) and adds them up. */
    final Recorder toDelivered = new Recorder(3);
    /**
     * The measured window, by send (due) time: a message sent in it counts in the histograms
     * whenever its ack and deliveries come, after the window too, so a slow end is not left out.
     */
    volatile long from = Long.MAX_VALUE;
    volatile long to = Long.MAX_VALUE;

    boolean measured(long sentAt) {
      return sentAt >= from && sentAt < to;
    }
  }

  /** The start of a benchmark message's text: "bench <due nanoTime> <sender's member index> <sender's sequence> x...". */
  private static final String BENCH_TEXT = "\"body\":\"bench ";

  private final Vertx vertx;
  private final String roomId;
  private final String userId;
  /** This user's index among its room's members, and how many the room has. */
  private final int member;
  private final String address;
  private final int bodyBytes;
  private final String padding;
  private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();
  /** How a room's message frame names this client's room. */
  private final String addressField;
  /** By sender (member index): the sequence numbers received, to tell a repeated delivery. Socket thread only. */
  private final BitSet[] seen;
  /**
   * This client's sends (by sequence) whose slot was freed: by a refusal or by the message coming
   * back, whichever came first. A send refused (a 503 after a timeout, say) may still have reached
   * Kafka and come back later: it frees its slot once, or a closed loop's window would grow past
   * its size. Socket thread only.
   */
  private final BitSet slotFreed = new BitSet();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private volatile Tally tally;
  /** What drives this client: told of its own messages' deliveries, its refused sends and a close. */
  private volatile Load load;
  private WebSocket ws;
  private long pinger;
  /** False once the socket closed; {@code closing}: we closed it. */
  private volatile boolean open = true;
  private volatile boolean closing;
  private boolean errorSeen;

  private LoadClient(Vertx vertx, String roomId, String userId, int member, int members, int bodyBytes) {
    this.vertx = vertx;
    this.roomId = roomId;
    this.userId = userId;
    this.member = member;
    this.address = Addresses.room(roomId);
    this.bodyBytes = bodyBytes;
    this.padding = "x".repeat(bodyBytes);
    this.addressField = "\"address\":\"" + address + "\"";
    this.seen = new BitSet[members];
    for (int m = 0; m < members; m++) {
      seen[m] = new BitSet();
    }
  }

  /**
   * Connects, registers for the room and completes once the gateway says the registration is live;
   * fails if the gateway refuses it (an error frame) or closes the socket first.
   */
  static Future<LoadClient> join(Vertx vertx, WebSocketClient client, int port, String token, String userId, String roomId,
                                 int member, int members, int bodyBytes) {
    LoadClient c = new LoadClient(vertx, roomId, userId, member, members, bodyBytes);
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

  String roomId() {
    return roomId;
  }

  String userId() {
    return userId;
  }

  /** Sends neither acknowledged nor refused yet. */
  int inFlight() {
    return inFlight.size();
  }

  /** This client's own sends the gateway acknowledged. */
  long acked() {
    return acked.get();
  }

  /** Distinct messages of its room this client received, its own included. */
  long received() {
    return received.get();
  }

  boolean isOpen() {
    return open;
  }

  /** Sends one message, whose latencies count from {@code now} (a {@link System#nanoTime()}). */
  void send(long now) {
    long seq = counter.incrementAndGet();
    String replyAddress = "b" + seq + "-" + System.identityHashCode(this);
    inFlight.put(replyAddress, now);
    Tally t = tally;
    if (t != null) {
      t.sent.incrementAndGet();
    }
    // The body as long as asked, like the raw INSERTs' that the stored rate is set against.
    String head = "bench " + now + " " + member + " " + seq + " ";
    String body = head + padding.substring(0, Math.max(0, bodyBytes - head.length()));
    ws.writeTextMessage(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_SEND).put("replyAddress", replyAddress)
      .put("body", new JsonObject().put("roomId", roomId).put("body", body)).encode());
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
        int p0 = bench + BENCH_TEXT.length();
        int p1 = raw.indexOf(' ', p0);
        int p2 = raw.indexOf(' ', p1 + 1);
        int p3 = raw.indexOf(' ', p2 + 1);
        long sentAt = Long.parseLong(raw, p0, p1, 10);
        int sender = Integer.parseInt(raw, p1 + 1, p2, 10);
        int seq = (int) Long.parseLong(raw, p2 + 1, p3, 10);
        // At-least-once delivery may repeat a message: count each once, and the repeats apart.
        if (seen[sender].get(seq)) {
          t.duplicates.incrementAndGet();
          return;
        }
        seen[sender].set(seq);
        received.incrementAndGet();
        t.delivered.incrementAndGet();
        if (t.measured(sentAt)) {
          t.toDelivered.recordValue(Math.max(0, now - sentAt));
        }
        if (sender == member) {
          t.storedRoundTrips.incrementAndGet();
          if (freeSlot(seq)) {
            load.delivered(this);
          }
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
        if (freeSlot(Integer.parseInt(at, 1, at.indexOf('-'), 10))) { // the reply address is "b<seq>-..."
          load.refused(this);
        }
      } else {
        acked.incrementAndGet();
        t.acked.incrementAndGet();
        if (t.measured(sentAt)) {
          t.toAck.recordValue(Math.max(0, now - sentAt));
        }
      }
    }
  }

  /** Whether send {@code seq}'s slot was still taken: marks it freed. */
  private boolean freeSlot(int seq) {
    if (slotFreed.get(seq)) {
      return false;
    }
    slotFreed.set(seq);
    return true;
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
