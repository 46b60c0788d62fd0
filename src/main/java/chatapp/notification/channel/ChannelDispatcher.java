package chatapp.notification.channel;

import chatapp.grpc.Backoff;
import chatapp.notification.NotificationMetrics;
import chatapp.notification.UserNotification;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands pushes to the channels, at least once: retries a failed attempt with capped backoff and
 * jitter up to {@code maxAttempts}, then writes a dead letter. Pushes are collapsed per user and
 * room: while one waits or is in flight, a newer one for the same key replaces it, so a burst of
 * messages to an absent user becomes one or two pushes that carry the latest count, not one per
 * message. At most {@code queueSize} keys wait per channel; beyond that a push is dead-lettered at
 * once rather than held in memory without bound. Runs on the notification server's event loop.
 */
public final class ChannelDispatcher {

  private static final Logger log = LoggerFactory.getLogger(ChannelDispatcher.class);

  private final Vertx vertx;
  private final List<DeliveryChannel> channels;
  private final DeadLetterStore deadLetters;
  private final Backoff backoff;
  private final int maxAttempts;
  private final int queueSize;
  private final Map<DeliveryChannel, Map<String, Pending>> pending = new HashMap<>();
  private final NotificationMetrics metrics;
  private boolean stopped;

  public ChannelDispatcher(Vertx vertx, List<DeliveryChannel> channels, DeadLetterStore deadLetters, JsonObject retry,
                           NotificationMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.channels = channels;
    this.deadLetters = deadLetters;
    this.backoff = Backoff.from(retry);
    this.maxAttempts = retry.getInteger("maxAttempts");
    this.queueSize = retry.getInteger("queueSize");
    channels.forEach(c -> pending.put(c, new HashMap<>()));
  }

  public boolean enabled() {
    return !channels.isEmpty();
  }

  public void dispatch(UserNotification notification) {
    if (stopped) {
      return;
    }
    JsonObject push = notification.toPush();
    String key = push.getString("collapseKey");
    for (DeliveryChannel channel : channels) {
      Map<String, Pending> queue = pending.get(channel);
      Pending p = queue.get(key);
      if (p != null) {
        p.push = push; // collapse: the newer count and preview replace the older
        p.fresh = true;
      } else if (queue.size() >= queueSize) {
        deadLetter(channel, push, "queue full (" + queueSize + " pushes waiting)", 0);
      } else {
        p = new Pending(push);
        queue.put(key, p);
        attempt(channel, key, p);
      }
    }
  }

  private void attempt(DeliveryChannel channel, String key, Pending p) {
    JsonObject push = p.push;
    p.fresh = false;
    p.attempts++;
    channel.deliver(push).onComplete(ar -> {
      if (ar.succeeded()) {
        metrics.delivered(channel.name());
      }
      if (stopped) {
        return; // dead-lettered by stop() already: at least once, never dropped
      }
      if (ar.succeeded() && !p.fresh) {
        pending.get(channel).remove(key);
      } else if (ar.succeeded()) {
        p.attempts = 0; // a newer push arrived while this one flew: send it too
        attempt(channel, key, p);
      } else if (ar.cause() instanceof PermanentDeliveryException || p.attempts >= maxAttempts) {
        deadLetter(channel, push, ar.cause().getMessage(), p.attempts);
        pending.get(channel).remove(key);
      } else if (!stopped) {
        log.debug("push retry channel={} key={} attempt={}: {}", channel.name(), key, p.attempts, ar.cause().toString());
        vertx.setTimer(backoff.delay(p.attempts), t -> {
          if (!stopped) {
            attempt(channel, key, p);
          }
        });
      }
    });
  }

  private Future<Void> deadLetter(DeliveryChannel channel, JsonObject push, String error, int attempts) {
    log.warn("push dead-lettered channel={} id={} attempts={}: {}", channel.name(), push.getString("id"), attempts, error);
    metrics.deadLettered(channel.name());
    return deadLetters.add(channel.name(), push, String.valueOf(error), attempts)
      .onFailure(e -> log.error("dead letter lost channel={} id={}: {}", channel.name(), push.getString("id"), e.toString()));
  }

  /** Pushes waiting or in flight, all channels together. */
  public int waiting() {
    return pending.values().stream().mapToInt(Map::size).sum();
  }

  /**
   * Stops retrying, and dead-letters every push still waiting for an attempt or in flight: a push
   * is delivered or dead-lettered, even across a deploy. One in flight may still arrive: at least
   * once. Completes once the dead letters are written (the store must stay open until then).
   */
  public Future<Void> stop() {
    stopped = true;
    List<Future<Void>> written = new ArrayList<>();
    pending.forEach((channel, queue) -> {
      queue.values().forEach(p -> written.add(deadLetter(channel, p.push, "the service stopped before delivering it", p.attempts)));
      queue.clear();
    });
    return Future.join(written).mapEmpty();
  }

  private static final class Pending {
    JsonObject push;
    int attempts;
    boolean fresh;

    Pending(JsonObject push) {
      this.push = push;
    }
  }
}
