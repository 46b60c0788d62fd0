package chatapp.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's own meters, in the process's Prometheus registry (a throwaway one when metrics are
 * off, so callers never check): produced, stored, parked and published messages; how long a message
 * spent in each stage (Kafka, then the store, then the fan-out), to tell which one a slow delivery
 * waited on; and how old the newest consumed record was (the consumer's lag, in time).
 */
public final class PipelineMeters {

  public final Counter produced;
  public final Counter stored;
  public final Counter parked;
  public final Counter published;
  public final Timer storeToPublished;
  /** From the producer's send (the record's Kafka timestamp) to the consumer's poll. */
  private final Timer produceToConsumed;
  /** From the producer's send to stored in CQL: the Kafka leg, then waiting behind the partition's batch before, then the write. */
  private final Timer produceToStored;
  /**
   * One per registry: a gauge keeps the object it was first registered with, and the fan-out and
   * the producer ask for these meters too (before the consumer does), so a value per instance left
   * the gauge reading one nobody updates.
   */
  private static final Map<MeterRegistry, AtomicLong> CONSUMED_AGE_MS = Collections.synchronizedMap(new WeakHashMap<>());
  private final AtomicLong consumedAgeMs;

  private PipelineMeters(MeterRegistry registry) {
    produced = Counter.builder("chat.pipeline.produced").description("messages Kafka acknowledged").register(registry);
    stored = Counter.builder("chat.pipeline.stored").description("messages stored in CQL").register(registry);
    parked = Counter.builder("chat.pipeline.parked").description("records parked on the dead-letter topic").register(registry);
    published = Counter.builder("chat.pipeline.published").description("messages published to their room").register(registry);
    storeToPublished = stage(registry, "chat.pipeline.store.to.published", "from stored to published to the room");
    produceToConsumed = stage(registry, "chat.pipeline.produce.to.consumed", "from the producer's send to the consumer's poll");
    produceToStored = stage(registry, "chat.pipeline.produce.to.stored", "from the producer's send to stored in CQL");
    consumedAgeMs = CONSUMED_AGE_MS.computeIfAbsent(registry, r -> new AtomicLong());
    registry.gauge("chat.pipeline.consumer.lag.ms", consumedAgeMs);
  }

  /**
   * A stage's timer, a histogram from 1 ms to 10 s. The two that start from a Kafka timestamp
   * (wall-clock milliseconds, set on the producing node) carry the nodes' clock difference too.
   */
  private static Timer stage(MeterRegistry registry, String name, String description) {
    return Timer.builder(name).description(description)
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
  }

  /** A record just polled, with its Kafka timestamp. */
  public void polled(long recordTimestampMs) {
    produceToConsumed.record(Math.max(0, System.currentTimeMillis() - recordTimestampMs), TimeUnit.MILLISECONDS);
  }

  /** A record whose message was just stored, with its Kafka timestamp. */
  public void storedRecord(long recordTimestampMs) {
    produceToStored.record(Math.max(0, System.currentTimeMillis() - recordTimestampMs), TimeUnit.MILLISECONDS);
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
