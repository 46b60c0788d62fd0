package chatapp.chat.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters, in the process's Prometheus registry (scraped at {@code /metrics}):
 * {@code chat_gateway_messages_accepted_total}, {@code chat_gateway_messages_refused_total{reason}},
 * {@code chat_gateway_sockets_open{bridge}}, {@code chat_gateway_send_ack_seconds} (send to ack,
 * with a histogram) and {@code chat_gateway_slow_consumers_total}. With metrics off (no registry)
 * every call is a no-op.
 */
public final class GatewayMetrics {

  public static final String SOCKJS = "sockjs";
  public static final String TCP = "tcp";

  // Process-wide like the registry itself: a gauge keeps the first object it was given.
  private static final Map<String, AtomicInteger> OPEN = Map.of(SOCKJS, new AtomicInteger(), TCP, new AtomicInteger());

  private final MeterRegistry registry;
  private final Counter accepted;
  private final Counter slowConsumers;
  private final Timer sendToAck;
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();

  private GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    if (registry == null) {
      accepted = null;
      slowConsumers = null;
      sendToAck = null;
      return;
    }
    accepted = Counter.builder("chat.gateway.messages.accepted")
      .description("Client messages acknowledged by Kafka").register(registry);
    slowConsumers = Counter.builder("chat.gateway.slow.consumers")
      .description("Sockets disconnected because their outbound queue passed its bound").register(registry);
    sendToAck = Timer.builder("chat.gateway.send.ack")
      .description("From a client's send reaching the gateway to its acknowledgement")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
    OPEN.forEach((bridge, count) -> Gauge.builder("chat.gateway.sockets.open", count, AtomicInteger::get)
      .description("Authenticated client sockets open on this node").tag("bridge", bridge).register(registry));
  }

  /** The meters of the process's default registry (none when Vert.x runs without metrics). */
  public static GatewayMetrics create() {
    return new GatewayMetrics(BackendRegistries.getDefaultNow());
  }

  public void accepted(long startNanos) {
    if (registry != null) {
      accepted.increment();
      sendToAck.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A refused client message, by reason (malformed, empty, too_large, not_member, ...). */
  public void refused(String reason) {
    if (registry != null) {
      refused.computeIfAbsent(reason, r -> Counter.builder("chat.gateway.messages.refused")
        .description("Client messages refused, by reason").tag("reason", r).register(registry)).increment();
    }
  }

  public void slowConsumer() {
    if (registry != null) {
      slowConsumers.increment();
    }
  }

  public static void socketOpened(String bridge) {
    OPEN.get(bridge).incrementAndGet();
  }

  public static void socketClosed(String bridge) {
    OPEN.get(bridge).decrementAndGet();
  }
}
