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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one path every notification takes, whichever RPC brought it: store it (coalesced per user and
 * room), answer, then deliver it: on the presence stream of the chat node the user is connected to,
 * or else through the push channels.
 *
 * <p>A user's deliveries (new notifications read back and pushed, the answer to a "connected") run
 * one after the other, each reading the store after the one before it was written, so a user's
 * updates never go back to an older count. Side by side, the answer to a connect (a read of every
 * room he has notifications in) could be written after a push that had read a newer row of one of
 * those rooms, leaving him a count too low until his next notification. New notifications that
 * wait behind a delivery wait together, and their rooms are read side by side: one room's row is
 * never read twice at once. Touched only on the notification server's event loop.
 */
final class Notifier {

  private static final Logger log = LoggerFactory.getLogger(Notifier.class);

  private final NotificationStore store;
  private final PresenceView presence;
  private final ChannelDispatcher channels;
  private final int pageSize;
  private final NotificationMetrics metrics;
  /** Per user with a delivery running: the ones waiting behind it, in order. */
  private final Map<String, ArrayDeque<Delivery>> waiting = new HashMap<>();

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
    if (!presence.isOnline(userId) && !channels.enabled()) {
      return; // nothing to deliver to: skip reading the coalesced row back
    }
    ArrayDeque<Delivery> queue = waiting.get(userId);
    if (queue != null && queue.peekLast() instanceof Rooms rooms) {
      // Not started yet: it reads each of its rows after every write made so far, this one too.
      rooms.roomIds().add(roomId);
    } else {
      inOrder(userId, new Rooms(new LinkedHashSet<>(List.of(roomId))));
    }
  }

  /** Answers a "connected" on {@code stream} with the user's unread notifications, if he has any. */
  void answerPending(String userId, WriteStream<NotificationResponse> stream) {
    inOrder(userId, new Answer(stream));
  }

  /**
   * What is delivered to a user, one at a time: his rows of some rooms, each read once, side by
   * side (different rooms' rows cannot contradict one another), or the answer to a connect (all his rows).
   */
  private sealed interface Delivery permits Rooms, Answer {
  }

  private record Rooms(Set<String> roomIds) implements Delivery {
  }

  private record Answer(WriteStream<NotificationResponse> stream) implements Delivery {
  }

  /** Runs a delivery of the user's once the one before it (read and written) is done. */
  private void inOrder(String userId, Delivery delivery) {
    ArrayDeque<Delivery> queue = waiting.get(userId);
    if (queue != null) {
      queue.add(delivery);
      return;
    }
    waiting.put(userId, new ArrayDeque<>());
    run(userId, delivery);
  }

  private void run(String userId, Delivery delivery) {
    Future<?> done = delivery instanceof Rooms rooms ? pushRows(userId, rooms.roomIds()) : answer(userId, ((Answer) delivery).stream());
    done.onComplete(ar -> {
      Delivery next = waiting.get(userId).poll();
      if (next == null) {
        waiting.remove(userId);
      } else {
        run(userId, next);
      }
    });
  }

  /** Reads each row back and pushes it: on his streams if he is online by now, else through the channels. */
  private Future<?> pushRows(String userId, Set<String> roomIds) {
    List<Future<UserNotification>> reads = new ArrayList<>(roomIds.size());
    for (String roomId : roomIds) {
      reads.add(store.get(userId, roomId).onComplete(ar -> {
        if (ar.failed() || ar.result() == null) {
          log.warn("delivery skipped user={} room={}: {}", userId, roomId, ar.failed() ? ar.cause().toString() : "no row");
        } else if (presence.push(userId, List.of(ar.result()))) {
          metrics.delivered("stream");
        } else {
          channels.dispatch(ar.result());
        }
      }));
    }
    return Future.join(reads);
  }

  private Future<?> answer(String userId, WriteStream<NotificationResponse> stream) {
    return store.list(userId, true, pageSize).onComplete(ar -> {
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
