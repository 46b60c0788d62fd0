package chatapp.testing;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Every frame a test client received, in order, and waits on them: a wait ends as soon as the
 * frames it needs arrived, and fails at its deadline with what did arrive.
 */
public final class Frames {

  private final List<JsonObject> received = new ArrayList<>();
  private boolean closed;

  public synchronized void add(JsonObject frame) {
    received.add(frame);
    notifyAll();
  }

  public synchronized void closed() {
    closed = true;
    notifyAll();
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  public synchronized List<JsonObject> all() {
    return List.copyOf(received);
  }

  public synchronized List<JsonObject> matching(Predicate<JsonObject> which) {
    return received.stream().filter(which).toList();
  }

  /** The first frame matching {@code which}, waiting for it up to {@code within}. */
  public JsonObject await(Predicate<JsonObject> which, Duration within) {
    return awaitCount(which, 1, within).get(0);
  }

  /** The frames matching {@code which} once there are at least {@code count} of them. */
  public synchronized List<JsonObject> awaitCount(Predicate<JsonObject> which, int count, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    List<JsonObject> found = new ArrayList<>();
    int scanned = 0;
    while (true) {
      // Only what arrived since the last look is tested: a flooded client stays cheap to watch.
      for (; scanned < received.size(); scanned++) {
        if (which.test(received.get(scanned))) {
          found.add(received.get(scanned));
        }
      }
      if (found.size() >= count) {
        return found;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + count + " matching frames within " + within + ", got " + found.size()
          + "; all frames: " + shorten(received));
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** Waits until the connection is closed. */
  public synchronized void awaitClosed(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the connection was not closed within " + within);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  private static String shorten(List<JsonObject> frames) {
    String all = frames.toString();
    return all.length() > 3000 ? all.substring(0, 3000) + "..." : all;
  }

  /** A chat message frame on {@code address} (SockJS "rec" or TCP "message"). */
  public static Predicate<JsonObject> messageOn(String address) {
    return f -> address.equals(f.getString("address")) && !"err".equals(f.getString("type"))
      && f.getValue("body") instanceof JsonObject b && "message".equals(b.getString("type"));
  }

  /** The gateway's notice that a room's missed messages are not replayed: read the history instead. */
  public static Predicate<JsonObject> reloadOn(String address) {
    return f -> address.equals(f.getString("address")) && f.getValue("body") instanceof JsonObject b
      && "reload".equals(b.getString("type"));
  }

  /** The gateway's word that a registration on {@code address} is live. */
  public static Predicate<JsonObject> registeredOn(String address) {
    return f -> address.equals(f.getString("address")) && f.getValue("body") instanceof JsonObject b
      && "registered".equals(b.getString("type"));
  }

  /** The message ids of chat message frames, in the order they came. */
  public static List<String> messageIds(List<JsonObject> frames) {
    return frames.stream().map(f -> f.getJsonObject("body").getString("messageId")).toList();
  }

  public static Predicate<JsonObject> errorOn(String address) {
    return f -> "err".equals(f.getString("type")) && address.equals(f.getString("address"));
  }
}
