package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import chatapp.bus.FeedEvents;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A room's live traffic ({@link Addresses#roomFeed}) to the sockets of this node registered for the
 * room, by either bridge: one bus consumer per room and event loop, which hands each publish to that
 * loop's sockets in the room, one after the other. A consumer per socket, as the bridges make, cost
 * a bus delivery, an envelope, an outbound permission match and a bridge event per socket and
 * message: in a room of 10, more of the node's CPU than anything else (Java Flight Recorder). The
 * SockJS bridge still registers its own consumer on the client's address ({@link Addresses#room}):
 * nothing is published there.
 *
 * <p>One instance per event-loop thread, used on that thread only: a socket's bridge events run on
 * the loop it was accepted on, and a call from any other thread is moved there.
 */
final class RoomFeeds {

  private static final ThreadLocal<RoomFeeds> PER_LOOP = new ThreadLocal<>();
  /**
   * How long a room's consumer outlives its last socket on a loop. A page reload leaves and joins
   * again within it, and finds the feed live at once. And a publish already queued for the consumer
   * when it unregisters makes Vert.x log a warning per message: when a room's members all left at
   * once with messages in flight, a burst of them.
   */
  static final long LINGER_MS = 5_000;

  private final Vertx vertx;
  private final Context context;
  private final Thread thread = Thread.currentThread();
  /** Client-side room address to the feed of that room on this loop. */
  private final Map<String, Feed> feeds = new HashMap<>();

  private static final class Feed {
    MessageConsumer<Object> consumer;
    /** Set while the feed has no socket: the timer that unregisters it. */
    long linger = -1;
    /** Replaced, never changed: a delivery may close a socket (slow consumer), which leaves the feed. */
    List<ClientSession> sessions = List.of();
  }

  private RoomFeeds(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.context = context;
  }

  /** The feeds of the event loop this runs on (a socket's, when called from its bridge event). */
  static RoomFeeds onThisLoop(Vertx vertx) {
    if (!Context.isOnEventLoopThread()) {
      // Its consumers deliver on the thread that created it, and its calls are moved there.
      throw new IllegalStateException("room feeds belong to an event loop: ask for them on one");
    }
    RoomFeeds feeds = PER_LOOP.get();
    if (feeds == null || feeds.vertx != vertx) {
      feeds = new RoomFeeds(vertx, vertx.getOrCreateContext());
      PER_LOOP.set(feeds);
    }
    return feeds;
  }

  /** Hands {@code roomId}'s feed to {@code session} as frames from {@code address}; completes once it is live. */
  Future<Void> join(String address, String roomId, ClientSession session) {
    if (Thread.currentThread() != thread) {
      Promise<Void> joined = Promise.promise();
      context.runOnContext(v -> join(address, roomId, session).onComplete(joined));
      return joined.future();
    }
    Feed feed = feeds.get(address);
    if (feed == null) {
      Feed created = new Feed();
      created.consumer = vertx.eventBus().localConsumer(Addresses.roomFeed(roomId), m -> deliver(address, created, m));
      feeds.put(address, created);
      feed = created;
    }
    if (feed.linger >= 0) {
      vertx.cancelTimer(feed.linger);
      feed.linger = -1;
    }
    if (!feed.sessions.contains(session)) {
      List<ClientSession> more = new ArrayList<>(feed.sessions);
      more.add(session);
      feed.sessions = List.copyOf(more);
    }
    return feed.consumer.completion();
  }

  /** Runs {@code action} on this loop: now if called there, else next. */
  void onItsLoop(Runnable action) {
    if (Thread.currentThread() == thread) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  /** Stops handing {@code address} to {@code session}; the room's consumer goes {@link #LINGER_MS} after its last socket on this loop. */
  void leave(String address, ClientSession session) {
    if (Thread.currentThread() != thread) {
      context.runOnContext(v -> leave(address, session));
      return;
    }
    Feed feed = feeds.get(address);
    if (feed == null || !feed.sessions.contains(session)) {
      return;
    }
    List<ClientSession> fewer = new ArrayList<>(feed.sessions);
    fewer.remove(session);
    feed.sessions = List.copyOf(fewer);
    if (fewer.isEmpty()) {
      feed.linger = vertx.setTimer(LINGER_MS, t -> {
        if (feeds.get(address) == feed && feed.sessions.isEmpty()) {
          feeds.remove(address);
          feed.consumer.unregister();
        }
      });
    }
  }

  /** Whether this loop has a consumer on {@code address}'s room feed (one lingering after its last socket counts). */
  boolean isListening(String address) {
    return feeds.containsKey(address);
  }

  /**
   * Hands a feed body to the loop's sockets in the room. A run of messages ({@link FeedEvents})
   * reaches each socket as one frame per message, in order, all written in this one task: the
   * socket's flush coalescing ({@link FlushCoalescing}) sends them in one system call.
   */
  private static void deliver(String address, Feed feed, Message<Object> m) {
    for (Object event : FeedEvents.split(m.body())) {
      deliverOne(address, feed, event);
    }
  }

  private static void deliverOne(String address, Feed feed, Object body) {
    String messageId = ClientSession.messageIdOf(body);
    for (ClientSession session : feed.sessions) {
      session.deliverPublished(address, messageId, body);
    }
  }
}
