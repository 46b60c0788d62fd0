package chatapp.notification;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.function.Supplier;

/**
 * The notification service's meters, in the process's Prometheus registry (scraped at
 * {@code GET /metrics} on the gRPC port): {@code chat_notifications_stored_total} (one per user and
 * message), {@code chat_notifications_delivered_total{via}} (stream, or a channel's name),
 * {@code chat_notifications_dead_letters_total{channel}}, {@code chat_notifications_online_users}.
 * With metrics off (no registry) every call is a no-op.
 */
public final class NotificationMetrics {

  private final MeterRegistry registry;
  private final Counter stored;

  private NotificationMetrics(MeterRegistry registry) {
    this.registry = registry;
    stored = registry == null ? null : Counter.builder("chat.notifications.stored")
      .description("Notifications stored, one per user and message").register(registry);
  }

  public static NotificationMetrics create() {
    return new NotificationMetrics(BackendRegistries.getDefaultNow());
  }

  void online(Supplier<Number> users) {
    if (registry != null) {
      Gauge.builder("chat.notifications.online.users", users)
        .description("Users the chat nodes' presence streams report online").register(registry);
    }
  }

  void stored(int users) {
    if (registry != null) {
      stored.increment(users);
    }
  }

  public void delivered(String via) {
    if (registry != null) {
      Counter.builder("chat.notifications.delivered").description("Notifications delivered, by stream or channel")
        .tag("via", via).register(registry).increment();
    }
  }

  public void deadLettered(String channel) {
    if (registry != null) {
      Counter.builder("chat.notifications.dead.letters").description("Pushes a channel gave up on")
        .tag("channel", channel).register(registry).increment();
    }
  }
}
