package chatapp.chat.notify;

import chatapp.bus.Addresses;
import chatapp.grpc.Backoff;
import chatapp.grpc.GrpcAddresses;
import chatapp.grpc.KeepAlive;
import chatapp.proto.chat.ChatServiceGrpcClient;
import chatapp.proto.chat.NotificationRequest;
import chatapp.proto.chat.NotificationResponse;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.impl.GrpcWriteStreamBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Holds this node's one {@code chat.ChatService/StreamNotifications} stream. Every presence change
 * on this node ({@link Addresses#PRESENCE_CHANGED}) is written on it as {@code {user_id, status}};
 * the service answers a "connected" with the user's pending notifications, which go to his sockets
 * on {@link Addresses#user(String)} as {@code {"type": "notifications", "items": [...]}}.
 *
 * <p>A broken stream is reopened with capped backoff and jitter; once reopened, the whole set of
 * users online here is written again (marked {@code resync}, so the service updates its view
 * without answering pending notifications twice), and the service's view converges whatever was
 * missed while the stream was down. The set is built from the presence events themselves, so it is
 * exactly this node's.
 *
 * <p>A peer that vanishes without closing its TCP connection (a crashed host, a dropped route)
 * sends no reset: the stream would look open forever while the service pushes to nobody. So the
 * connection is probed with an HTTP/2 PING every {@code keepAliveMs}; one not answered within
 * {@code keepAliveTimeoutMs} closes the connection and the stream reopens as after any break.
 */
public class PresenceStreamVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PresenceStreamVerticle.class);

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** In {@link #unannounced}: the user's "connected" has not left this node yet. */
  private static final long NOT_WRITTEN = Long.MIN_VALUE;

  private final Set<String> online = new LinkedHashSet<>();
  /**
   * Users whose "connected" the service may not have received: those who came while no stream was
   * up, and those written since the last answered PING (a stream that died silently took them with
   * it). Each maps to the {@link System#nanoTime()} at which that write left this node, or
   * {@link #NOT_WRITTEN} while it waits (a PING is not held back by flow control, so it can pass a
   * queued write). A reopened stream announces them as new, so the service answers their pending
   * notifications.
   */
  private final Map<String, Long> unannounced = new HashMap<>();
  private GrpcClient client;
  private SocketAddress address;
  private Backoff backoff;
  private String token;
  private long keepAliveMs;
  private long keepAliveTimeoutMs;
  private MessageConsumer<JsonObject> consumer;
  private GrpcClientRequest<NotificationRequest, NotificationResponse> stream;
  private int failures;
  private boolean stopping;

  @Override
  public Future<?> start() {
    JsonObject cfg = config().getJsonObject("notificationService");
    address = GrpcAddresses.parse(cfg.getString("address"));
    backoff = Backoff.from(cfg.getJsonObject("retry"));
    token = cfg.getString("authToken", "");
    keepAliveMs = cfg.getLong("keepAliveMs");
    keepAliveTimeoutMs = cfg.getLong("keepAliveTimeoutMs");
    client = GrpcClient.client(vertx);
    consumer = vertx.eventBus().localConsumer(Addresses.PRESENCE_CHANGED, msg -> onPresence(msg.body()));
    // Not waiting for the stream: chat starts and runs while the notification service is down.
    open();
    return consumer.completion();
  }

  private void onPresence(JsonObject event) {
    String userId = event == null ? null : event.getString("userId");
    String status = event == null ? null : event.getString("status");
    if (userId == null || userId.isBlank() || !("connected".equals(status) || "disconnected".equals(status))) {
      log.warn("presence event ignored: {}", event);
      return;
    }
    boolean connected = "connected".equals(status);
    if (connected) {
      online.add(userId);
      unannounced.put(userId, NOT_WRITTEN);
    } else {
      online.remove(userId);
      unannounced.remove(userId);
    }
    // While the stream is down the change lives only in the set; the resync after reopening carries it.
    if (stream != null) {
      Future<Void> written = stream.write(NotificationRequest.newBuilder().setUserId(userId).setStatus(status).build());
      if (connected) {
        written.onSuccess(v -> wrote(userId));
      }
    }
  }

  /** A user's "connected" left this node (if he is still waiting for one to). */
  private void wrote(String userId) {
    Long at = unannounced.get(userId);
    if (at != null && at == NOT_WRITTEN) {
      unannounced.put(userId, System.nanoTime());
    }
  }

  private void open() {
    if (stopping) {
      return;
    }
    client.request(address, ChatServiceGrpcClient.StreamNotifications).onComplete(ar -> {
      if (ar.failed()) {
        broken(ar.cause());
        return;
      }
      GrpcClientRequest<NotificationRequest, NotificationResponse> req = ar.result();
      if (!token.isBlank()) {
        req.headers().set("authorization", "Bearer " + token);
      }
      req.exceptionHandler(e -> broken(req, e));
      stream = req;
      keepAlive(req);
      // Headers now, even with nobody online to report: the service registers this node's stream
      // and answers with its own headers, which is how a refusal or a dead server shows up here.
      if (req instanceof GrpcWriteStreamBase<?, ?> base) {
        base.writeHead();
      }
      // The service forgot this node's users when the last stream broke: tell it again. Those who
      // came while it was down are announced as new, so the service answers their pending ones.
      for (String userId : online) {
        boolean isNew = unannounced.containsKey(userId);
        Future<Void> written = req.write(NotificationRequest.newBuilder().setUserId(userId).setStatus("connected")
          .setResync(!isNew).build());
        if (isNew) {
          unannounced.put(userId, NOT_WRITTEN);
          written.onSuccess(v -> wrote(userId));
        }
      }
      req.response().onComplete(ar2 -> {
        if (ar2.failed()) {
          broken(req, ar2.cause());
          return;
        }
        GrpcClientResponse<NotificationRequest, NotificationResponse> resp = ar2.result();
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          broken(req, new IllegalStateException("stream refused: " + resp.status().name() + " " + resp.statusMessage()));
          return;
        }
        failures = 0;
        if (keepAliveMs <= 0) {
          unannounced.clear(); // no PINGs to tell: the accepted stream is the best word there is
        }
        log.info("presence stream open to {} ({} users resent)", address, online.size());
        resp.handler(this::onUpdate);
        resp.exceptionHandler(e -> broken(req, e));
        resp.endHandler(v -> broken(req, new IllegalStateException("stream ended by the service: "
          + (resp.status() == null ? "" : resp.status().name()) + " " + resp.statusMessage())));
      });
    });
  }

  private void onUpdate(NotificationResponse response) {
    try {
      JsonObject update = new JsonObject(response.getUpdate());
      if (!response.getUserId().isBlank() && "notifications".equals(update.getString("type"))) {
        // To this node's sockets only: the service pushes on the stream of every node that holds
        // the user, and each node's copy published cluster-wide reached every socket once per node.
        vertx.eventBus().publish(Addresses.user(response.getUserId()), update, LOCAL);
        return;
      }
    } catch (DecodeException | ClassCastException e) {
      // falls through to the warning
    }
    log.warn("notification update for user={} not understood, dropped", response.getUserId());
  }

  /** Probes the stream's connection until the stream is replaced; a missed answer breaks it. */
  private void keepAlive(GrpcClientRequest<NotificationRequest, NotificationResponse> req) {
    KeepAlive.probe(vertx, req.connection(), keepAliveMs, keepAliveTimeoutMs, () -> !stopping && stream == req,
      // What left this node before an answered PING reached the service.
      sentAt -> unannounced.values().removeIf(at -> at != NOT_WRITTEN && at - sentAt < 0),
      cause -> broken(req, cause));
  }

  private void broken(GrpcClientRequest<NotificationRequest, NotificationResponse> req, Throwable cause) {
    if (stream == req) {
      broken(cause);
    }
  }

  private void broken(Throwable cause) {
    stream = null;
    if (stopping) {
      return;
    }
    failures++;
    long delay = backoff.delay(failures);
    if (failures == 1 || failures % 10 == 0) {
      log.warn("presence stream to {} down ({}), reopening in {} ms (attempt {})", address, cause.toString(), delay, failures);
    }
    vertx.setTimer(delay, t -> open());
  }

  /** Users this node reports online. */
  public int onlineHere() {
    return online.size();
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (stream != null) {
      stream.end(); // ends our side; the service forgets this node's users
    }
    return consumer.unregister().eventually(() -> client.close());
  }
}
