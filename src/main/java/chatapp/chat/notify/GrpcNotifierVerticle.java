package chatapp.chat.notify;

import chatapp.bus.Addresses;
import chatapp.grpc.Backoff;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.UnaryCall;
import chatapp.proto.notification.NotificationServiceGrpcClient;
import chatapp.proto.notification.OfflineUserRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calls {@code NotifyOfflineUsers} for each stored message's offline members ({@link Addresses#NOTIFY_OFFLINE}):
 * one call per message with all its users, under an enforced deadline, at most {@code maxInFlight}
 * at a time, from a queue of at most {@code queueSize} calls. UNAVAILABLE and DEADLINE_EXCEEDED
 * (a server down, restarting or slow) are retried with capped backoff and jitter until they pass,
 * so chat keeps working through an outage and the notifications arrive once the service is back:
 * at least once, which the service's coalescing makes harmless. Other statuses are final (a
 * refusal will not change) and logged. A message that finds the queue full is dropped and counted.
 * Only a message with more users than the service takes per call ({@code maxUsersPerCall}) is split.
 *
 * <p>Replies to a bus message once its call succeeded ({@code {"attempts": n}}), or fails it with
 * {@link #REFUSED} or {@link #QUEUE_FULL}: a producer that uses {@code send} ignores both.
 */
public class GrpcNotifierVerticle extends VerticleBase {

  public static final int REFUSED = 400;
  public static final int QUEUE_FULL = 503;

  private static final Logger log = LoggerFactory.getLogger(GrpcNotifierVerticle.class);

  private record Call(OfflineUserRequest request, Promise<Integer> attempts, long since) {
  }

  private final ArrayDeque<Call> queue = new ArrayDeque<>();
  private GrpcClient client;
  private SocketAddress address;
  private long deadlineMs;
  private int queueSize;
  private int maxInFlight;
  private int maxUsersPerCall;
  private Backoff backoff;
  private Map<String, String> headers;
  private int inFlight;
  private long dropped;
  private MessageConsumer<JsonObject> consumer;
  private boolean stopping;
  private NotifierMetrics metrics;

  @Override
  public Future<?> start() {
    JsonObject cfg = config().getJsonObject("notificationService");
    address = GrpcAddresses.parse(cfg.getString("address"));
    deadlineMs = cfg.getLong("deadlineMs");
    queueSize = cfg.getInteger("queueSize");
    maxInFlight = cfg.getInteger("maxInFlight");
    maxUsersPerCall = cfg.getInteger("maxUsersPerCall");
    backoff = Backoff.from(cfg.getJsonObject("retry"));
    String token = cfg.getString("authToken", "");
    headers = token.isBlank() ? Map.of() : Map.of("authorization", "Bearer " + token);
    client = GrpcClient.client(vertx);
    metrics = NotifierMetrics.create(queue::size);
    // Started without the notification service: it may be down, and chat runs regardless.
    consumer = vertx.eventBus().consumer(Addresses.NOTIFY_OFFLINE, this::enqueue);
    return consumer.completion();
  }

  private void enqueue(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body == null || body.getString("roomId", "").isBlank() || !(body.getValue("userIds") instanceof JsonArray users)
      || users.isEmpty()) {
      log.warn("notify request without room or users dropped: message={}", body == null ? null : body.getString("messageId"));
      msg.fail(REFUSED, "roomId and userIds are required");
      return;
    }
    List<OfflineUserRequest> requests = toRequests(body, maxUsersPerCall);
    if (queue.size() + requests.size() > queueSize) {
      dropped++;
      log.warn("notify queue full ({}), dropped room={} message={} (dropped so far: {})",
        queueSize, body.getString("roomId"), body.getString("messageId"), dropped);
      metrics.outcome("dropped");
      msg.fail(QUEUE_FULL, "notification queue full");
      return;
    }
    long since = System.nanoTime();
    List<Future<Integer>> calls = new ArrayList<>(requests.size());
    for (OfflineUserRequest request : requests) {
      Promise<Integer> attempts = Promise.promise();
      calls.add(attempts.future());
      queue.add(new Call(request, attempts, since));
    }
    // Almost every message is one call: its own future, without a composite around it.
    Future<Integer> attempts = calls.size() == 1 ? calls.get(0)
      : Future.all(calls).map(all -> calls.stream().mapToInt(Future::result).max().orElse(0));
    attempts.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject().put("attempts", ar.result()));
      } else {
        msg.fail(REFUSED, ar.cause().getMessage());
      }
    });
    pump();
  }

  private void pump() {
    while (!stopping && inFlight < maxInFlight && !queue.isEmpty()) {
      inFlight++;
      call(queue.poll(), 1);
    }
  }

  private void call(Call call, int attempt) {
    OfflineUserRequest request = call.request();
    UnaryCall.call(vertx, client, address, NotificationServiceGrpcClient.NotifyOfflineUsers, request, deadlineMs, headers)
      .onComplete(ar -> {
        if (stopping) {
          return;
        }
        if (ar.succeeded()) {
          done();
          metrics.delivered(call.since());
          call.attempts().complete(attempt);
          return;
        }
        GrpcStatus status = UnaryCall.statusOf(ar.cause());
        if (status == GrpcStatus.UNAVAILABLE || status == GrpcStatus.DEADLINE_EXCEEDED) {
          metrics.retry(status.name());
          long delay = backoff.delay(attempt);
          if (attempt == 1 || attempt % 10 == 0) {
            log.warn("notification service {}: room={} message={} retrying (attempt {}, next in {} ms)",
              status.name(), request.getRoomId(), request.getMessageId(), attempt, delay);
          }
          vertx.setTimer(delay, t -> {
            if (!stopping) {
              call(call, attempt + 1);
            }
          });
        } else {
          done();
          metrics.outcome("refused");
          log.error("notify refused room={} message={}: {} {}", request.getRoomId(), request.getMessageId(),
            status.name(), ar.cause().getMessage());
          call.attempts().fail(status.name());
        }
      });
  }

  private void done() {
    inFlight--;
    pump();
  }

  /** The calls for one message: one, unless it has more users than one call may carry. */
  static List<OfflineUserRequest> toRequests(JsonObject body, int maxUsersPerCall) {
    JsonArray users = body.getJsonArray("userIds");
    List<OfflineUserRequest> out = new ArrayList<>();
    for (int from = 0; from < users.size(); from += maxUsersPerCall) {
      OfflineUserRequest.Builder b = OfflineUserRequest.newBuilder()
        .setRoomId(body.getString("roomId"))
        .setMessageId(body.getString("messageId", ""))
        .setSenderId(body.getString("senderId", ""))
        .setMessage(body.getString("preview", ""));
      for (int i = from; i < Math.min(users.size(), from + maxUsersPerCall); i++) {
        b.addUserIds(String.valueOf(users.getValue(i)));
      }
      out.add(b.build());
    }
    return out;
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (!queue.isEmpty() || inFlight > 0) {
      log.warn("notifier stopping with {} queued and {} in flight notification calls unsent", queue.size(), inFlight);
    }
    return consumer.unregister().eventually(() -> client.close());
  }
}
