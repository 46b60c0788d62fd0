package chatapp.notification;

import chatapp.proto.notification.NotificationServiceGrpcService;
import chatapp.proto.notification.OfflineUserRequest;
import com.google.protobuf.Empty;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code notification.NotificationService}: the seed's entry point for a room's offline members. */
public class NotificationGrpcService extends NotificationServiceGrpcService {

  private static final Logger log = LoggerFactory.getLogger(NotificationGrpcService.class);

  @Override
  public Future<Empty> notifyOfflineUsers(OfflineUserRequest request) {
    if (request.getUserIdsCount() == 0) {
      return Future.failedFuture(new StatusException(GrpcStatus.INVALID_ARGUMENT, "userIds must not be empty"));
    }
    if (request.getRoomId().isBlank()) {
      return Future.failedFuture(new StatusException(GrpcStatus.INVALID_ARGUMENT, "roomId must not be empty"));
    }
    log.info("notify room={} users={}", request.getRoomId(), request.getUserIdsCount());
    return Future.succeededFuture(Empty.getDefaultInstance());
  }
}
