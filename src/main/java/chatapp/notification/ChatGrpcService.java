package chatapp.notification;

import chatapp.grpc.KeepAlive;
import chatapp.proto.chat.ChatServiceGrpcService;
import chatapp.proto.chat.NotificationRequest;
import chatapp.proto.chat.NotificationResponse;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.chat.SendNotificationResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * {@code chat.ChatService}: one notification to one user, and the presence streams on which the
 * chat nodes report who connected and disconnected. A "connected" is answered on the same stream
 * with the user's pending notifications; new notifications for an online user follow on it.
 */
final class ChatGrpcService extends ChatServiceGrpcService {

  private static final Logger log = LoggerFactory.getLogger(ChatGrpcService.class);
  static final String CONNECTED = "connected";
  static final String DISCONNECTED = "disconnected";

  private final Vertx vertx;
  private final Notifier notifier;
  private final PresenceView presence;
  private final int maxMessageBytes;
  private final long keepAliveMs;
  private final long keepAliveTimeoutMs;

  ChatGrpcService(Vertx vertx, Notifier notifier, PresenceView presence, JsonObject settings) {
    this.vertx = vertx;
    this.notifier = notifier;
    this.presence = presence;
    this.maxMessageBytes = settings.getInteger("maxMessageBytes");
    this.keepAliveMs = settings.getLong("streamKeepAliveMs", 5_000L);
    this.keepAliveTimeoutMs = settings.getLong("streamKeepAliveTimeoutMs", 5_000L);
  }

  @Override
  public Future<SendNotificationResponse> sendNotification(SendNotificationRequest request) {
    // The seed reads a status, not a gRPC error: a refusal is "failure" with a reason.
    if (request.getUserId().isBlank()) {
      return failure("user_id is required");
    }
    if (request.getMessage().isBlank()) {
      return failure("message is required");
    }
    if (request.getMessageBytes().size() > maxMessageBytes) {
      return failure("message is over " + maxMessageBytes + " bytes");
    }
    String problem = IdChecks.firstProblem(List.of(request.getUserId()), request.getRoomId(), request.getMessageId(),
      request.getSenderId());
    if (problem != null) {
      return failure(problem);
    }
    return notifier.notify(request.getRoomId(), List.of(request.getUserId()), request.getMessageId(),
        request.getSenderId(), request.getMessage())
      .map(v -> SendNotificationResponse.newBuilder().setStatus("success").build())
      .otherwise(e -> SendNotificationResponse.newBuilder().setStatus("failure").setReason("notification store unavailable, try again").build());
  }

  @Override
  protected void streamNotifications(ReadStream<NotificationRequest> requests, WriteStream<NotificationResponse> responses) {
    presence.opened(responses);
    log.info("presence stream opened ({} users online)", presence.online());
    if (responses instanceof GrpcServerResponse<?, ?> grpc) {
      // Headers at once: the chat node learns the stream is up before any notification flows.
      grpc.writeHead();
    }
    requests.handler(update -> {
      String userId = update.getUserId();
      String status = update.getStatus();
      if (userId.isBlank() || !(CONNECTED.equals(status) || DISCONNECTED.equals(status))) {
        log.warn("presence update ignored: user='{}' status='{}'", userId, status);
        return;
      }
      presence.update(responses, userId, CONNECTED.equals(status));
      log.debug("presence user={} status={} resync={}", userId, status, update.getResync());
      if (CONNECTED.equals(status) && !update.getResync()) {
        notifier.answerPending(userId, responses);
      }
    });
    // The seed's Node client waits for the server to end its side after it ends its own.
    requests.endHandler(v -> {
      presence.closed(responses);
      responses.end();
      log.info("presence stream ended ({} users online)", presence.online());
    });
    requests.exceptionHandler(e -> broke(responses, e.toString()));
    responses.exceptionHandler(e -> broke(responses, e.toString()));
    if (requests instanceof GrpcServerRequest<?, ?> grpc) {
      // A chat node that goes away resets its stream: Vert.x reports that as a gRPC error, not an exception.
      grpc.errorHandler(error -> broke(responses, error.toString()));
      // A chat node whose host died, or whose route dropped, sends no reset: without a probe its
      // users would stay online here, their notifications written to a stream nobody reads.
      KeepAlive.probe(vertx, grpc.connection(), keepAliveMs, keepAliveTimeoutMs, () -> presence.isOpen(responses),
        cause -> broke(responses, cause.toString()));
    }
  }

  private void broke(WriteStream<NotificationResponse> responses, String why) {
    if (presence.closed(responses)) {
      log.info("presence stream broke: {} ({} users online)", why, presence.online());
    }
  }

  private static Future<SendNotificationResponse> failure(String reason) {
    return Future.succeededFuture(SendNotificationResponse.newBuilder().setStatus("failure").setReason(reason).build());
  }
}
