package chatapp.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's own meters, in the process's Prometheus registry (a throwaway one when metrics are
 * off, so callers never check): produced, stored, parked and published messages, the time from
 * stored to published to the room's sockets, and how old the newest consumed record was (the
 * consumer's lag, in time).
 */
public final class PipelineMeters {

  public final Counter produced;
  public final Counter stored;
  public final Counter parked;
  public final Counter published;
  public final Timer storeToPublished;
  private final AtomicLong consumedAgeMs = new AtomicLong();

  private PipelineMeters(MeterRegistry registry) {
    produced = Counter.builder("chat.pipeline.produced").description("messages Kafka acknowledged").register(registry);
    stored = Counter.builder("chat.pipeline.stored").description("messages stored in CQL").register(registry);
    parked = Counter.builder("chat.pipeline.parked").description("records parked on the dead-letter topic").register(registry);
    published = Counter.builder("chat.pipeline.published").description("messages published to their room").register(registry);
    storeToPublished = Timer.builder("chat.pipeline.store.to.published").description("from stored to published to the room")
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
    registry.gauge("chat.pipeline.consumer.lag.ms", consumedAgeMs);
  }

  /**
   * The meters in the registry of the Vert.x now running (asked at each verticle's creation: a
   * registry lives and dies with its Vert.x). Registering is idempotent, so every verticle that
   * asks shares the same counters.
   */
  public static PipelineMeters get() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return new PipelineMeters(registry != null ? registry : new SimpleMeterRegistry());
  }

  /** Notes the Kafka timestamp of a record just consumed. */
  public void consumed(long recordTimestampMs) {
    consumedAgeMs.set(Math.max(0, System.currentTimeMillis() - recordTimestampMs));
  }
}
