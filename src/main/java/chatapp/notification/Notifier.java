package chatapp.notification;

import chatapp.notification.channel.ChannelDispatcher;
import chatapp.proto.chat.NotificationResponse;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The one path every notification takes, whichever RPC brought it: store it (coalesced per user and
 * room), answer, then deliver it: on the presence stream of the chat node the user is connected to,
 * or else through the push channels.
 */
final class Notifier {

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  private final NotificationStore store;
  private final PresenceView presence;
  private final ChannelDispatcher channels;
  private final int pageSize;
  private final NotificationMetrics metrics;

  Notifier(NotificationStore store, PresenceView presence, ChannelDispatcher channels, int pageSize,
           NotificationMetrics metrics) {
    this.store = store;
    this.presence = presence;
    this.channels = channels;
    this.pageSize = pageSize;
    this.metrics = metrics;
    metrics.online(presence::online);
  }

  /**
   * Stores the message for every user, then delivers. Fails with UNAVAILABLE when a write failed:
   * the caller retries the whole call, which the store makes harmless.
   */
  Future<Void> notify(String roomId, Collection<String> userIds, String messageId, String senderId, String preview) {
    String id = messageId.isBlank() ? Uuids.timeBased().toString() : messageId;
    return store.recordAll(userIds, roomId, id, senderId, preview)
      .recover(e -> {
        log.warn("storing notifications failed room={} message={}: {}", roomId, id, e.toString());
        return unavailable(e);
      })
      .onSuccess(v -> {
        metrics.stored(userIds.size());
        userIds.forEach(userId -> deliver(userId, roomId));
      })
      .mapEmpty();
  }

  private void deliver(String userId, String roomId) {
    boolean online = presence.isOnline(userId);
    if (!online && !channels.enabled()) {
      return; // nothing to deliver to: skip reading the coalesced row back
    }
    store.get(userId, roomId).onComplete(ar -> {
      if (ar.failed() || ar.result() == null) {
        log.warn("delivery skipped user={} room={}: {}", userId, roomId, ar.failed() ? ar.cause().toString() : "no row");
        return;
      }
      // Presence may have changed while reading: ask again.
      if (presence.push(userId, List.of(ar.result()))) {
        metrics.delivered("stream");
      } else {
        channels.dispatch(ar.result());
      }
    });
  }

  /** Answers a "connected" on {@code stream} with the user's unread notifications, if he has any. */
  void answerPending(String userId, WriteStream<NotificationResponse> stream) {
    store.list(userId, true, pageSize).onComplete(ar -> {
      if (ar.failed()) {
        log.warn("pending notifications unreadable user={}: {}", userId, ar.cause().toString());
      } else if (!ar.result().isEmpty()) {
        presence.write(stream, userId, ar.result());
      }
    });
  }

  Future<List<UserNotification>> list(String userId, boolean unreadOnly, int limit) {
    return store.list(userId, unreadOnly, limit <= 0 ? pageSize : Math.min(limit, pageSize));
  }

  Future<Integer> markRead(String userId, Set<String> roomIds) {
    return store.markRead(userId, roomIds);
  }

  /** A store failure as the caller should see it: UNAVAILABLE, worth a retry, without the driver's details. */
  static <T> Future<T> unavailable(Throwable cause) {
    return Future.failedFuture(new StatusException(GrpcStatus.UNAVAILABLE, "notification store unavailable"));
  }
}
