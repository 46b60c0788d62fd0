package chatapp.bus;

/**
 * Every event-bus address, declared once. Addresses under {@link #BRIDGE_PREFIX} are the only ones
 * a bridge (SockJS or TCP) may ever expose; everything else is internal to the services.
 */
public final class Addresses {

  /** Prefix of every address a browser or bot may reach through a bridge. */
  public static final String BRIDGE_PREFIX = "chat.client.";

  /** Request-reply: a message draft {roomId, senderId, body} to validate and produce to Kafka; replies {messageId, sentAt}. */
  public static final String SEND = "chat.internal.send";
  /** Request-reply, node-local: a {@link MessageBatch} consumed from Kafka, to store; replies once all of it is stored. */
  public static final String STORE = "chat.internal.store";
  /**
   * Request-reply, node-local: a room's offline members for one stored message, for the gRPC
   * notifier: {roomId, messageId, senderId, preview, userIds: [...]}. Replies {attempts} once the
   * notification service has them, or fails when it refused them or the notifier's queue is full.
   */
  public static final String NOTIFY_OFFLINE = "chat.internal.notify.offline";
  /**
   * Request-reply, node-local: one readiness check by name ("kafka", "cql", "notification-service"),
   * run by the node's one {@code ReadinessVerticle}; replies the check's status as JSON, or fails
   * when the check could not run.
   */
  public static final String READINESS = "chat.internal.readiness";
  /**
   * Publish, node-local: a user's first socket on this node opened, or his last one here closed:
   * {userId, status: "connected" | "disconnected"}. This node's view, for its presence stream.
   */
  public static final String PRESENCE_CHANGED = "chat.internal.presence.changed";

  /**
   * Publish, cluster-wide: a room's membership changed, {roomId, userId, status: "joined" | "left"},
   * once written; every node's membership caches forget the room.
   */
  public static final String MEMBERSHIP_CHANGED = "chat.internal.membership.changed";

  /**
   * Publish, cluster-wide: a user went online (his first socket anywhere) or offline (his last one,
   * or the node that held it died): {userId, status: "online" | "offline"}. Keeps each node's
   * {@code OnlineCache} right.
   */
  public static final String PRESENCE_GLOBAL = "chat.internal.presence.global";

  /** Request-reply, node-local: a socket of {userId, socketId} was authenticated on this node. */
  public static final String PRESENCE_CONNECT = "chat.internal.presence.connect";
  /** Request-reply, node-local: a socket of {userId, socketId} closed on this node. */
  public static final String PRESENCE_DISCONNECT = "chat.internal.presence.disconnect";
  /** Request-reply, node-local: replies {userIds: [...]} of the users with a socket on this node. */
  public static final String PRESENCE_LOCAL = "chat.internal.presence.local";
  /**
   * Request-reply, node-local: a stored {@link MessageBatch} whose messages are to be published to
   * their rooms, in order, and their offline members found; replies, once all are, with a JSON
   * array of the {@link #NOTIFY_OFFLINE} hand-offs to make (one per message with offline members).
   */
  public static final String FANOUT = "chat.internal.fanout";

  /**
   * Bridge, request-reply: a client's message {roomId, body, clientMsgId?}; the gateway takes the
   * sender from the socket's token and replies {messageId, sentAt} once Kafka acknowledged it
   * (README, "Client protocol"). Node-local: a socket's sends must all meet the same producer, or
   * a retried clientMsgId would reach a node that never saw it, and pipelined sends could pass
   * each other on their way to Kafka.
   */
  public static final String CLIENT_SEND = BRIDGE_PREFIX + "send";
  /** TCP bridge only, request-reply, node-local: {token} logs the socket in; replies {userId}. */
  public static final String CLIENT_LOGIN = BRIDGE_PREFIX + "login";

  private Addresses() {
  }

  /**
   * A room's address as its members' sockets know it: they register for it, and its live traffic
   * reaches them as frames from it. Nothing is published here: see {@link #roomFeed}.
   */
  public static String room(String roomId) {
    return BRIDGE_PREFIX + "room." + roomId;
  }

  /**
   * Publish, cluster-wide: every room's live traffic, the room's id in the {@link FeedEvents#ROOM_ID}
   * header ({@link FeedEvents#publish}), in a cluster. Each node has one consumer, from its start,
   * that hands what other nodes published to the room's feed on that node ({@link #roomFeed}).
   */
  public static final String ROOM_FEEDS = "chat.internal.room-feeds";

  /**
   * Publish, node-local: a room's live traffic (messages, joins, leaves, presence) on this node, as
   * this node publishes it ({@link FeedEvents#publish}) and as its relay takes it from {@link #ROOM_FEEDS}. The gateway listens once per event loop and hands it to its sockets
   * registered for {@link #room}. A run of a room's messages may come as one body ({@link FeedEvents}).
   */
  public static String roomFeed(String roomId) {
    return "chat.internal.room." + roomId;
  }

  /** Where one user's own traffic (pending notifications) is published to his sockets. */
  public static String user(String userId) {
    return BRIDGE_PREFIX + "user." + userId;
  }
}
