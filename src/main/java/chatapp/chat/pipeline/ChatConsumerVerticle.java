package chatapp.chat.pipeline;

import chatapp.bus.Addresses;
import chatapp.bus.ChatMessage;
import chatapp.bus.MessageBatch;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import chatapp.metrics.PipelineMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Consumes the chat topic; a partition's records go to the writer ({@link Addresses#STORE}), then to
 * the fan-out ({@link Addresses#FANOUT}), as one {@link MessageBatch} each.
 *
 * <p>A partition's records are handled in batches, one batch at a time: a batch is stored in one
 * request, then handed to the fan-out in offset order, so a room's order holds; records polled while a
 * batch is out wait and form the partition's next batch (the busier the partition, the bigger its
 * batches, the fewer the round trips). Partitions proceed side by side, and polling goes on while
 * batches are out (up to {@link #MAX_IN_FLIGHT} records): a record is not held up by another
 * partition's batch, nor by a commit. A partition's offset is committed only once every record
 * before it is stored and published, and its offline members are handed to the notification service
 * ({@link Addresses#NOTIFY_OFFLINE}, this node's notifier, which answers once the service has them):
 * a crash replays what was in flight, and the writer's upserts and the service's coalescing make the
 * replay harmless. The hand-offs do not hold the partition up: while the notification service is
 * down, messages go on being stored and delivered, and only the commits wait.
 *
 * <p>A partition that moves to another node (one joined, or this one's session lapsed) is let go at
 * once: its waiting records are dropped, and a batch of it still out completes for nothing, neither
 * committing its offset (that would move the group's offset back behind what the new owner has
 * stored and committed) nor starting the next batch (the new owner stores those). Its offsets ready
 * but not yet committed are dropped too: the new owner starts from the last committed offset and
 * replays them, harmlessly.
 */
public class ChatConsumerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatConsumerVerticle.class);
  private static final long MAX_BACKOFF_MS = 5_000;
  /**
   * A hand-off waits for the notification service for as long as it is down (the notifier retries
   * until it answers); past a day, the offset is committed regardless: a crash after that loses
   * the hand-off, which the notifier still holds in memory.
   */
  private static final DeliveryOptions HAND_OFF = new DeliveryOptions().setLocalOnly(true).setSendTimeout(86_400_000L);
  /** Records handed over but not yet stored and published; past it, polling waits. */
  private static final int MAX_IN_FLIGHT = 5_000;
  /**
   * Records a partition may have waiting behind its batch out; past it the partition is paused
   * until that batch completes. One partition whose writes keep failing would otherwise take the
   * whole in-flight budget, and polling would stop for every other partition of the node.
   */
  private static final int MAX_WAITING = 1_000;

  private final PipelineMeters meters = PipelineMeters.get();
  /** The partitions this node owns, each with its work in progress. */
  private final Map<TopicPartition, Owned> owned = new HashMap<>();
  /** Offsets ready to commit: everything before them is stored, published and handed to the notification service. */
  private Map<TopicPartition, OffsetAndMetadata> ready = new HashMap<>();
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> deadLetters;
  private String deadLetterTopic;
  private boolean running;
  private boolean polling;
  private boolean committing;
  /** A timer is set for the next commit. */
  private boolean commitDue;
  private long lastCommitNanos;
  private long commitIntervalNanos;
  private int inFlight;

  @Override
  public Future<?> start() {
    JsonObject kafka = config().getJsonObject("kafka");
    consumer = KafkaConsumer.create(vertx, KafkaSettings.consumer(kafka));
    deadLetters = KafkaProducer.createShared(vertx, "chat-dead-letters", KafkaSettings.producer(kafka));
    deadLetterTopic = kafka.getString("deadLetterTopic");
    MessageBatch.register(vertx);
    commitIntervalNanos = kafka.getLong("commitIntervalMs", 100L) * 1_000_000;
    lastCommitNanos = System.nanoTime() - commitIntervalNanos; // nanoTime has no fixed origin: not 0
    running = true;
    consumer.partitionsRevokedHandler(this::revoked);
    return consumer.subscribe(kafka.getString("topic")).onSuccess(v -> pollLoop());
  }

  /**
   * Polls again at once, unless a poll is out, too much is in flight (a completion calls again), or
   * stopping. What paused partitions hold does not count: each holds a bounded amount, and several
   * stuck at once must not stop the others.
   */
  private void pollLoop() {
    // The partitions are walked only when the budget looks spent, not after every batch.
    if (!running || polling || inFlight >= MAX_IN_FLIGHT && inFlight - heldByPaused() >= MAX_IN_FLIGHT) {
      return;
    }
    polling = true;
    consumer.poll(Duration.ofMillis(200)).onComplete(ar -> {
      polling = false;
      if (ar.succeeded()) {
        handle(ar.result());
      } else if (running) {
        log.warn("poll failed, polling again: {}", ar.cause().toString());
      }
      pollLoop();
    });
  }

  private int heldByPaused() {
    int held = 0;
    for (Owned partition : owned.values()) {
      if (partition.paused) {
        held += partition.out + (partition.waiting == null ? 0 : partition.waiting.size());
      }
    }
    return held;
  }

  private void handle(KafkaConsumerRecords<String, String> records) {
    if (records.isEmpty()) {
      return;
    }
    Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> byPartition = new LinkedHashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> r = records.recordAt(i);
      meters.polled(r.timestamp());
      byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>()).add(r);
    }
    byPartition.forEach((tp, list) -> {
      inFlight += list.size();
      Owned partition = owned.computeIfAbsent(tp, Owned::new);
      if (partition.waiting != null) {
        partition.waiting.addAll(list);
        if (partition.waiting.size() >= MAX_WAITING && !partition.paused) {
          partition.paused = true;
          consumer.pause(Set.of(tp));
        }
      } else {
        batch(partition, list);
      }
    });
  }

  /** One partition this node owns: what waits for its batch out, and what is handed off. */
  private static final class Owned {
    final TopicPartition tp;
    /** Records polled while the partition's batch is out; null while none is. */
    List<KafkaConsumerRecord<String, String>> waiting;
    /**
     * By next offset, the batches stored and published whose offsets are not ready yet: those
     * whose hand-offs are not done, and the last of each run of done ones. So while the
     * notification service is down it holds about two entries per call the notifier has queued, a
     * bounded number (the notifier refuses calls past its queue), however long the outage.
     */
    final TreeMap<Long, HandedOff> handingOff = new TreeMap<>();
    /** Given to another node: what is still out for it completes for nothing. */
    boolean revoked;
    /** Too much waiting behind its batch: not fetched until the batch completes. */
    boolean paused;
    /** Records of the batch out. */
    int out;

    Owned(TopicPartition tp) {
      this.tp = tp;
    }
  }

  /** Lets go of partitions given to another node (or lost with this node's session); see the class comment. */
  private void revoked(Set<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      ready.remove(tp);
      Owned partition = owned.remove(tp);
      if (partition != null) {
        partition.revoked = true;
        if (partition.waiting != null) {
          inFlight -= partition.waiting.size();
          partition.waiting = null;
        }
      }
    }
    pollLoop();
  }

  /**
   * Stores and publishes one batch of a partition, then the records that came meanwhile, if any. A
   * batch that fails (the writer and the fan-out retry on their own, so this is a record that could
   * not even be parked) is tried again, whole, until it passes: the partition waits rather than
   * skip it, and the replay is harmless (upserts; clients collapse copies).
   */
  private void batch(Owned partition, List<KafkaConsumerRecord<String, String>> list) {
    if (partition.revoked) { // a retry of a partition that moved meanwhile
      inFlight -= list.size();
      pollLoop();
      return;
    }
    if (partition.waiting == null) {
      partition.waiting = new ArrayList<>();
    }
    TopicPartition tp = partition.tp;
    OffsetAndMetadata next = new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, "");
    partition.out = list.size();
    storeAndPublish(partition, list).onComplete(ar -> {
      if (ar.failed() && running && !partition.revoked) {
        log.warn("records of topic={} partition={} offsets {} to {} failed, retrying in {} ms: {}", tp.getTopic(), tp.getPartition(),
          list.get(0).offset(), next.getOffset() - 1, MAX_BACKOFF_MS, ar.cause().toString());
        vertx.setTimer(MAX_BACKOFF_MS, t -> batch(partition, list));
        return;
      }
      inFlight -= list.size();
      partition.out = 0;
      if (!partition.revoked) {
        if (ar.succeeded()) {
          handOff(partition, next, ar.result());
        }
        List<KafkaConsumerRecord<String, String>> more = partition.waiting;
        partition.waiting = null;
        if (partition.paused) {
          partition.paused = false;
          consumer.resume(Set.of(tp));
        }
        if (!more.isEmpty() && running) {
          batch(partition, more);
        }
      }
      pollLoop();
    });
  }

  /**
   * One partition's records of a poll, stored as one batch (the writer writes a room's messages
   * together; upserts), then handed to the fan-out as one batch in offset order: it publishes in
   * that order, so the room's order holds without a round trip per message. A record that is not
   * a chat message is parked on the dead-letter topic and left out.
   */
  private Future<JsonArray> storeAndPublish(Owned partition, List<KafkaConsumerRecord<String, String>> list) {
    TopicPartition tp = partition.tp;
    List<ChatMessage> messages = new ArrayList<>(list.size());
    // The Kafka timestamps of the records that are messages (the parked ones are not stored).
    long[] sentAt = new long[list.size()];
    List<Future<Void>> parked = new ArrayList<>();
    for (KafkaConsumerRecord<String, String> r : list) {
      try {
        messages.add(ChatMessage.fromJson(new JsonObject(r.value())).at(r.offset()));
        sentAt[messages.size() - 1] = r.timestamp();
        meters.consumed(r.timestamp());
      } catch (DecodeException | IllegalArgumentException | NullPointerException e) {
        parked.add(park(partition, r, "not a chat message: " + e.getMessage(), 0));
      }
    }
    if (messages.isEmpty()) {
      return Future.all(parked).map(v -> new JsonArray());
    }
    String what = "topic=" + tp.getTopic() + " partition=" + tp.getPartition() + " offsets " + list.get(0).offset() + " to "
      + list.get(list.size() - 1).offset();
    MessageBatch batch = new MessageBatch(messages, 0);
    return withRetry(partition, what, Addresses.STORE, batch, 0)
      .compose(v -> {
        if (partition.revoked) { // stored for nothing: publishing now would come after the new owner's copies
          return Future.failedFuture("partition moved to another node");
        }
        meters.stored.increment(messages.size());
        for (int i = 0; i < messages.size(); i++) {
          meters.storedRecord(sentAt[i]);
        }
        // When it was stored: the fan-out measures from here to the room's sockets.
        return withRetry(partition, what, Addresses.FANOUT, batch.stored(System.nanoTime()), 0);
      })
      .compose(handOffs -> Future.all(parked).map(v -> (JsonArray) handOffs));
  }

  /** A batch's next offset, and whether its hand-offs to the notification service are done. */
  private static final class HandedOff {
    final OffsetAndMetadata next;
    boolean done;

    HandedOff(OffsetAndMetadata next) {
      this.next = next;
    }
  }

  /**
   * Hands a stored and published batch's offline members to this node's notifier, which answers
   * once the notification service has them (it retries for as long as the service is down); the
   * batch's offset becomes ready to commit when its hand-offs, and those of the batches before it,
   * are done. A hand-off the notifier gives up on (refused by the service, or its queue full) is
   * done too: it logged and counted it, and a replay would not change it.
   */
  private void handOff(Owned partition, OffsetAndMetadata next, JsonArray handOffs) {
    TreeMap<Long, HandedOff> batches = partition.handingOff;
    if (handOffs.isEmpty() && batches.isEmpty()) {
      // Everyone online and nothing waiting before it (the usual case): ready at once.
      ready.put(partition.tp, next);
      commit();
      return;
    }
    HandedOff batch = new HandedOff(next);
    batches.put(next.getOffset(), batch);
    List<Future<?>> sent = new ArrayList<>(handOffs.size());
    for (int i = 0; i < handOffs.size(); i++) {
      sent.add(vertx.eventBus().request(Addresses.NOTIFY_OFFLINE, handOffs.getJsonObject(i), HAND_OFF));
    }
    Future.join(sent).onComplete(ar -> handedOff(partition, batch));
  }

  private void handedOff(Owned partition, HandedOff batch) {
    if (partition.revoked) {
      return;
    }
    batch.done = true;
    TreeMap<Long, HandedOff> batches = partition.handingOff;
    long key = batch.next.getOffset();
    // A run of done batches needs only its last entry: once the batches before the run are done, so is all of it.
    Map.Entry<Long, HandedOff> before = batches.lowerEntry(key);
    if (before != null && before.getValue().done) {
      batches.remove(before.getKey());
    }
    Map.Entry<Long, HandedOff> after = batches.higherEntry(key);
    if (after != null && after.getValue().done) {
      batches.remove(key, batch);
    }
    while (!batches.isEmpty() && batches.firstEntry().getValue().done) {
      ready.put(partition.tp, batches.pollFirstEntry().getValue().next);
    }
    commit();
  }

  /**
   * Commits the offsets that are ready, one commit at a time and at most one per
   * {@code kafka.commitIntervalMs}; each commit takes whatever became ready meanwhile. Committing
   * after every batch cost the broker a write to its offsets log per batch, as many as the
   * messages' own produce requests. A failed commit is not retried: a later one covers it, and
   * until then a crash only replays more.
   */
  private void commit() {
    if (committing || commitDue || ready.isEmpty() || !running) {
      return;
    }
    long wait = lastCommitNanos + commitIntervalNanos - System.nanoTime();
    if (wait > 0) {
      commitDue = true;
      vertx.setTimer(Math.max(1, wait / 1_000_000), t -> {
        commitDue = false;
        commit();
      });
      return;
    }
    lastCommitNanos = System.nanoTime();
    Map<TopicPartition, OffsetAndMetadata> offsets = ready;
    ready = new HashMap<>();
    committing = true;
    consumer.commit(offsets).onComplete(ar -> {
      committing = false;
      if (ar.failed() && running) {
        log.warn("commit of {} failed: {}", offsets, ar.cause().toString());
      }
      commit();
    });
  }

  /**
   * A request retried with capped backoff until it succeeds, this verticle stops or the partition
   * moves to another node (whose own retries take over): nothing storable is skipped.
   */
  private Future<Object> withRetry(Owned partition, String what, String address, MessageBatch batch, int attempt) {
    return withRetry(partition, what, address, batch, attempt, false);
  }

  /** {@code reached}: an earlier attempt got to the recipient (see {@link MessageBatch#REPEATED}). */
  private Future<Object> withRetry(Owned partition, String what, String address, MessageBatch batch, int attempt, boolean reached) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000).setLocalOnly(true);
    if (reached) {
      options.addHeader(MessageBatch.REPEATED, "true");
    }
    return vertx.eventBus().request(address, batch, options)
      .map(Message::body)
      .recover(e -> {
        if (!running || partition.revoked) {
          return Future.failedFuture(e);
        }
        boolean got = reached || !(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS);
        long backoff = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10));
        long delay = backoff / 2 + (long) (Math.random() * backoff / 2);
        log.warn("{} failed {} ({} messages) attempt={}, retrying in {} ms: {}", address, what, batch.messages().size(), attempt + 1,
          delay, e.getMessage());
        Promise<Object> retried = Promise.promise();
        // Moved meanwhile: the new owner does it (a late STORE would go on to publish the batch again).
        vertx.setTimer(delay, t -> (partition.revoked ? Future.failedFuture(e)
          : withRetry(partition, what, address, batch, attempt + 1, got)).onComplete(retried));
        return retried.future();
      });
  }

  /**
   * Parks a record that can never be stored on the dead-letter topic, with where it came from and
   * why; retried like a write, on its own: a failed park retried as part of its whole batch would
   * publish the batch's messages again.
   */
  private Future<Void> park(Owned partition, KafkaConsumerRecord<String, String> r, String reason, int attempt) {
    if (attempt == 0) {
      log.error("parking record topic={} partition={} offset={} on {}: {}", r.topic(), r.partition(), r.offset(), deadLetterTopic, reason);
    }
    KafkaProducerRecord<String, String> dead = KafkaProducerRecord.create(deadLetterTopic, r.key(), r.value());
    dead.addHeader("origin.topic", r.topic())
      .addHeader("origin.partition", String.valueOf(r.partition()))
      .addHeader("origin.offset", String.valueOf(r.offset()))
      .addHeader("reason", reason == null ? "unknown" : reason);
    return deadLetters.send(dead).onSuccess(v -> meters.parked.increment()).<Void>mapEmpty().recover(e -> {
      if (!running || partition.revoked) {
        return Future.failedFuture(e);
      }
      long delay = Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 10));
      log.warn("parking record topic={} partition={} offset={} failed attempt={}, retrying in {} ms: {}", r.topic(), r.partition(),
        r.offset(), attempt + 1, delay, e.toString());
      Promise<Void> retried = Promise.promise();
      vertx.setTimer(delay, t -> (partition.revoked ? Future.<Void>failedFuture(e) : park(partition, r, reason, attempt + 1))
        .onComplete(retried));
      return retried.future();
    });
  }

  @Override
  public Future<?> stop() {
    running = false;
    // What is ready now would otherwise be replayed by the partitions' next owner.
    Future<?> last = ready.isEmpty() ? Future.succeededFuture() : consumer.commit(ready);
    return last.recover(e -> Future.succeededFuture())
      .compose(v -> consumer.close()).eventually(() -> deadLetters.close());
  }
}
