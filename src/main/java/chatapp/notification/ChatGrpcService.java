package chatapp.notification;

import chatapp.proto.chat.ChatServiceGrpcService;
import chatapp.proto.chat.NotificationRequest;
import chatapp.proto.chat.NotificationResponse;
import chatapp.proto.chat.SendNotificationRequest;
import chatapp.proto.chat.SendNotificationResponse;
import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code chat.ChatService}: single notifications, and the presence stream on which the chat service
 * reports who connected and disconnected.
 */
public class ChatGrpcService extends ChatServiceGrpcService {

  private static final Logger log = LoggerFactory.getLogger(ChatGrpcService.class);

  /** Last status the presence stream reported per user ("connected" / "disconnected"). */
  private final Map<String, String> presence = new ConcurrentHashMap<>();

  @Override
  public Future<SendNotificationResponse> sendNotification(SendNotificationRequest request) {
    if (request.getUserId().isBlank() || request.getMessage().isBlank()) {
      return Future.succeededFuture(SendNotificationResponse.newBuilder().setStatus("failure").build());
    }
    log.info("notification for user={}", request.getUserId());
    return Future.succeededFuture(SendNotificationResponse.newBuilder().setStatus("success").build());
  }

  @Override
  protected void streamNotifications(ReadStream<NotificationRequest> requests, WriteStream<NotificationResponse> responses) {
    requests.handler(update -> {
      presence.put(update.getUserId(), update.getStatus());
      log.debug("presence user={} status={}", update.getUserId(), update.getStatus());
    });
    // The seed's Node client waits for the server to end its side after it ends its own.
    requests.endHandler(v -> responses.end());
    requests.exceptionHandler(e -> log.debug("presence stream broke: {}", e.toString()));
  }

  public String statusOf(String userId) {
    return presence.get(userId);
  }
}
