package chatapp.notification;

import chatapp.proto.notification.ListNotificationsRequest;
import chatapp.proto.notification.ListNotificationsResponse;
import chatapp.proto.notification.MarkReadRequest;
import chatapp.proto.notification.MarkReadResponse;
import chatapp.proto.notification.NotificationServiceGrpcService;
import chatapp.proto.notification.OfflineUserRequest;
import com.google.protobuf.Empty;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code notification.NotificationService}: the seed's entry point for a room's offline members,
 * and the list / mark-read API of the stored notifications. Every refusal is INVALID_ARGUMENT and
 * stores nothing.
 */
final class NotificationGrpcService extends NotificationServiceGrpcService {

  private static final Logger log = LoggerFactory.getLogger(NotificationGrpcService.class);

  private final Notifier notifier;
  private final int maxUsers;
  private final int maxMessageBytes;

  NotificationGrpcService(Notifier notifier, JsonObject limits) {
    this.notifier = notifier;
    this.maxUsers = limits.getInteger("maxUsers");
    this.maxMessageBytes = limits.getInteger("maxMessageBytes");
  }

  @Override
  public Future<Empty> notifyOfflineUsers(OfflineUserRequest request) {
    if (request.getUserIdsCount() == 0) {
      return invalid("userIds must not be empty");
    }
    if (request.getRoomId().isBlank()) {
      return invalid("roomId must not be empty");
    }
    if (request.getMessageBytes().size() > maxMessageBytes) {
      return invalid("message is over " + maxMessageBytes + " bytes");
    }
    if (request.getUserIdsCount() > maxUsers) {
      return invalid("at most " + maxUsers + " userIds per call, got " + request.getUserIdsCount());
    }
    Set<String> users = new LinkedHashSet<>();
    for (String userId : request.getUserIdsList()) {
      if (userId.isBlank()) {
        return invalid("userIds must not contain an empty id");
      }
      users.add(userId);
    }
    String problem = IdChecks.firstProblem(users, request.getRoomId(), request.getMessageId(), request.getSenderId());
    if (problem != null) {
      return invalid(problem);
    }
    log.debug("notify room={} message={} users={}", request.getRoomId(), request.getMessageId(), users.size());
    return notifier.notify(request.getRoomId(), users, request.getMessageId(), request.getSenderId(), request.getMessage())
      .map(Empty.getDefaultInstance());
  }

  @Override
  public Future<ListNotificationsResponse> listNotifications(ListNotificationsRequest request) {
    if (request.getUserId().isBlank()) {
      return invalid("userId must not be empty");
    }
    String problem = IdChecks.idProblem("userId", request.getUserId());
    if (problem != null) {
      return invalid(problem);
    }
    return notifier.list(request.getUserId(), request.getUnreadOnly(), request.getLimit())
      .recover(Notifier::unavailable)
      .map(items -> {
        ListNotificationsResponse.Builder out = ListNotificationsResponse.newBuilder();
        items.forEach(n -> out.addNotifications(n.toProto()));
        return out.build();
      });
  }

  @Override
  public Future<MarkReadResponse> markRead(MarkReadRequest request) {
    if (request.getUserId().isBlank()) {
      return invalid("userId must not be empty");
    }
    String problem = IdChecks.idProblem("userId", request.getUserId());
    if (problem != null) {
      return invalid(problem);
    }
    for (String roomId : request.getRoomIdsList()) {
      problem = IdChecks.idProblem("roomIds", roomId);
      if (problem != null) {
        return invalid(problem);
      }
    }
    return notifier.markRead(request.getUserId(), Set.copyOf(request.getRoomIdsList()))
      .recover(Notifier::unavailable)
      .map(n -> MarkReadResponse.newBuilder().setMarked(n).build());
  }

  private static <T> Future<T> invalid(String reason) {
    return Future.failedFuture(new StatusException(GrpcStatus.INVALID_ARGUMENT, reason));
  }
}
