package chatapp.chat.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The notifier's meters, in the process's Prometheus registry: {@code chat_notifier_calls_total{outcome}}
 * (ok, refused, dropped), {@code chat_notifier_retries_total{status}}, {@code chat_notifier_queued}
 * and {@code chat_notifier_delivery_seconds} (message handed over to notifications stored, retries
 * included). With metrics off (no registry) every call is a no-op.
 */
final class NotifierMetrics {

  private final MeterRegistry registry;
  private final Timer delivery;

  private NotifierMetrics(MeterRegistry registry, Supplier<Number> queued) {
    this.registry = registry;
    if (registry == null) {
      delivery = null;
      return;
    }
    delivery = Timer.builder("chat.notifier.delivery")
      .description("From a stored message's offline users handed to the notifier to the service having stored their notifications")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
      .register(registry);
    Gauge.builder("chat.notifier.queued", queued).description("NotifyOfflineUsers calls waiting for a slot").register(registry);
  }

  static NotifierMetrics create(Supplier<Number> queued) {
    return new NotifierMetrics(BackendRegistries.getDefaultNow(), queued);
  }

  void outcome(String outcome) {
    if (registry != null) {
      Counter.builder("chat.notifier.calls").description("NotifyOfflineUsers calls by final outcome")
        .tag("outcome", outcome).register(registry).increment();
    }
  }

  void delivered(long startNanos) {
    if (registry != null) {
      outcome("ok");
      delivery.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
  }

  void retry(String status) {
    if (registry != null) {
      Counter.builder("chat.notifier.retries").description("NotifyOfflineUsers attempts retried, by status")
        .tag("status", status).register(registry).increment();
    }
  }
}
