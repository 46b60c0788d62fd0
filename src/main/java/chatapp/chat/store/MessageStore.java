package chatapp.chat.store;

import chatapp.bus.ChatMessage;
import chatapp.chat.pipeline.KafkaSettings;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Reads and writes the message log ({@code messages_by_room}, indexed by {@code buckets_by_room});
 * shared by the writer and the readers.
 *
 * <p>A room's messages are split in time buckets ({@code cql.bucketMinutes}) so no partition grows
 * without bound. Reads walk only the buckets that hold messages, found in {@code buckets_by_room}:
 * a quiet room's history costs as much as a busy one's, and a writer whose clock runs ahead of the
 * reader's is still read (nothing assumes "the current bucket" from the reader's clock).
 */
public final class MessageStore {

  /** How many bucket numbers one index read fetches: a history page rarely needs more. */
  private static final int BUCKETS_PER_READ = 8;
  /** Bound of the "already indexed" memo; cleared when full (a re-index is only a redundant upsert). */
  private static final int INDEXED_MEMO = 50_000;
  /** Rows per batch: past some tens, a bigger batch saves little and holds a coordinator longer. */
  private static final int MAX_BATCH_ROWS = 64;
  /**
   * Estimated bytes per batch: under Cassandra's default {@code batch_size_fail_threshold} (50 KiB),
   * which refuses larger batches (ScyllaDB's default is 1 MiB).
   */
  private static final int MAX_BATCH_BYTES = 32 * 1024;

  private final CassandraClient client;
  private final long bucketMillis;
  private final Statements q;
  private final Set<String> indexed = ConcurrentHashMap.newKeySet();

  /**
   * How far before a recovery's cursor, by the time in the ids, a message can lie that came after it
   * in the room's order: an id is taken when a node accepts the message, and another node's message
   * accepted a little earlier can reach Kafka later. A send waits at most 2 s for room in its
   * producer, then Kafka retries it for at most {@link KafkaSettings#DELIVERY_TIMEOUT_MS}; and
   * nodes' clocks may differ by a few seconds.
   */
  static final long REORDER_MS = 2_000 + KafkaSettings.DELIVERY_TIMEOUT_MS + 3_000;
  /**
   * Bound of the rows read before a cursor, the nearest first: in a room of more than 50 messages a
   * second, the look-back is the last thousand messages rather than {@link #REORDER_MS}.
   */
  private static final int REORDER_ROWS = 1_000;

  private record Statements(PreparedStatement insert, PreparedStatement index,
                            PreparedStatement bucketsDown, PreparedStatement bucketsUp,
                            PreparedStatement newestIn, PreparedStatement olderIn, PreparedStatement newerIn,
                            PreparedStatement offsetOf, PreparedStatement between) {
  }

  private MessageStore(CassandraClient client, long bucketMillis, Statements q) {
    this.client = client;
    this.bucketMillis = bucketMillis;
    this.q = q;
  }

  public static Future<MessageStore> create(CassandraClient client, JsonObject cql) {
    String ks = cql.getString("keyspace");
    long bucketMillis = cql.getInteger("bucketMinutes", 1440) * 60_000L;
    String cols = "SELECT message_id, sender_id, body, kafka_offset FROM " + ks + ".messages_by_room WHERE room_id = ? AND bucket = ?";
    List<String> text = List.of(
      // The offset last: a message with none leaves it unset (not null, which would write a tombstone).
      "INSERT INTO " + ks + ".messages_by_room (room_id, bucket, message_id, sender_id, body, kafka_offset) VALUES (?, ?, ?, ?, ?, ?)",
      "INSERT INTO " + ks + ".buckets_by_room (room_id, bucket) VALUES (?, ?)",
      "SELECT bucket FROM " + ks + ".buckets_by_room WHERE room_id = ? AND bucket <= ? AND bucket >= ? LIMIT ?",
      "SELECT bucket FROM " + ks + ".buckets_by_room WHERE room_id = ? AND bucket >= ? ORDER BY bucket ASC LIMIT ?",
      cols + " LIMIT ?",
      cols + " AND message_id < ? LIMIT ?",
      cols + " AND message_id > ? ORDER BY message_id ASC LIMIT ?",
      "SELECT kafka_offset FROM " + ks + ".messages_by_room WHERE room_id = ? AND bucket = ? AND message_id = ?",
      // Newest first (the table's order): with more than the bound, the ones nearest the cursor.
      cols + " AND message_id > ? AND message_id <= ? LIMIT ?");
    List<Future<PreparedStatement>> prepared = new ArrayList<>();
    for (String s : text) {
      prepared.add(client.prepare(s));
    }
    return Future.all(prepared).map(all -> {
      List<PreparedStatement> p = all.list();
      return new MessageStore(client, bucketMillis,
        new Statements(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7), p.get(8)));
    });
  }

  /** The bucket a message falls in: the time inside its id, so a retried write lands in the same row. */
  public int bucketOf(UUID messageId) {
    return bucketOf(Uuids.unixTimestamp(messageId));
  }

  /** The bucket of an instant in epoch milliseconds. */
  public int bucketOf(long epochMillis) {
    return (int) Math.floorDiv(epochMillis, bucketMillis);
  }

  /**
   * An upsert keyed by message id: storing the same message twice leaves one row. The bucket is
   * indexed first, so a message is never stored in a bucket readers cannot find; a failure between
   * the two leaves at worst an indexed empty bucket, and the caller's retry completes the write.
   */
  public Future<Void> insert(ChatMessage m) {
    return insertAll(List.of(m));
  }

  /**
   * Stores {@code messages} as {@link #insert} does, with the rows of one partition (room and
   * bucket) in UNLOGGED batches: such a batch is a single-partition mutation, applied atomically
   * and at about the cost of one row in Cassandra and ScyllaDB, so a burst of a room's messages is
   * stored faster than one insert each. Rooms proceed side by side; a room's batches go one after
   * the other, in the order given, so that what a reader finds stored of a room is always a prefix
   * of it: recovery ({@link #after}) relies on that to leave no gap. Sent at once, two batches of a
   * room could land in either order, and a read in between found the later without the earlier.
   * Fails if any write fails, and then writes nothing more of that room (the caller retries all:
   * every write is an upsert).
   */
  public Future<Void> insertAll(List<ChatMessage> messages) {
    // Each room's messages in the order given, as runs of one bucket (a run ends where the bucket changes).
    Map<String, List<List<ChatMessage>>> byRoom = new LinkedHashMap<>();
    for (ChatMessage m : messages) {
      List<List<ChatMessage>> runs = byRoom.computeIfAbsent(m.roomId(), k -> new ArrayList<>());
      List<ChatMessage> run = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (run == null || bucketOf(run.get(0).messageId()) != bucketOf(m.messageId())) {
        run = new ArrayList<>();
        runs.add(run);
      }
      run.add(m);
    }
    List<Future<Void>> rooms = new ArrayList<>(byRoom.size());
    byRoom.forEach((roomId, runs) -> {
      Future<Void> room = Future.succeededFuture();
      for (List<ChatMessage> run : runs) {
        int bucket = bucketOf(run.get(0).messageId());
        room = room.compose(v -> index(roomId + '\n' + bucket, roomId, bucket));
        for (List<ChatMessage> chunk : chunks(run)) {
          room = room.compose(v -> write(roomId, bucket, chunk));
        }
      }
      rooms.add(room);
    });
    return Future.all(rooms).mapEmpty();
  }

  /** One partition's rows as one statement: a single INSERT, or an UNLOGGED batch of them. */
  private Future<Void> write(String roomId, int bucket, List<ChatMessage> rows) {
    List<BatchableStatement<?>> inserts = new ArrayList<>(rows.size());
    for (ChatMessage m : rows) {
      inserts.add(m.offset() == ChatMessage.NO_OFFSET
        ? q.insert.bind(roomId, bucket, m.messageId(), m.senderId(), m.body())
        : q.insert.bind(roomId, bucket, m.messageId(), m.senderId(), m.body(), m.offset()));
    }
    return client.execute(inserts.size() == 1 ? inserts.get(0) : BatchStatement.newInstance(BatchType.UNLOGGED, inserts)).mapEmpty();
  }

  /** Adds a bucket to its room's index unless this process already did. */
  private Future<Void> index(String key, String roomId, int bucket) {
    if (indexed.contains(key)) {
      return Future.succeededFuture();
    }
    return client.execute(q.index.bind(roomId, bucket)).map(rs -> {
      if (indexed.size() >= INDEXED_MEMO) {
        indexed.clear();
      }
      indexed.add(key);
      return null;
    });
  }

  /** Splits one partition's rows into batches within {@link #MAX_BATCH_ROWS} and {@link #MAX_BATCH_BYTES}. */
  private static List<List<ChatMessage>> chunks(List<ChatMessage> rows) {
    List<List<ChatMessage>> out = new ArrayList<>();
    List<ChatMessage> chunk = new ArrayList<>();
    int bytes = 0;
    for (ChatMessage m : rows) {
      // Characters times 3 bounds the UTF-8 size; 64 covers the id, sender and row overhead.
      int size = 3 * (m.body().length() + m.senderId().length()) + 64;
      if (!chunk.isEmpty() && (chunk.size() >= MAX_BATCH_ROWS || bytes + size > MAX_BATCH_BYTES)) {
        out.add(chunk);
        chunk = new ArrayList<>();
        bytes = 0;
      }
      chunk.add(m);
      bytes += size;
    }
    out.add(chunk);
    return out;
  }

  /**
   * A page of history, newest first: messages strictly older than {@code beforeMessageId} (null: from
   * the newest), at most {@code limit}, walking the room's buckets down to the one of
   * {@code roomCreatedAt} (null: all). Each bucket is read from where the previous one ended, so
   * pages chained by their last id have no gap and no duplicate.
   */
  public Future<List<ChatMessage>> history(String roomId, UUID beforeMessageId, int limit, Instant roomCreatedAt) {
    int top = beforeMessageId == null ? Integer.MAX_VALUE : bucketOf(beforeMessageId);
    // A minute of slack: a message id is stamped by the producing node's clock, which may run a
    // little behind the clock that stamped the room's creation.
    int bottom = roomCreatedAt == null ? Integer.MIN_VALUE : bucketOf(roomCreatedAt.toEpochMilli() - 60_000);
    // The bucket the page most likely starts in (the cursor's, or now's) is read at the same time
    // as the index, so a typical page costs one round trip, not two; the guess is used only when
    // the index confirms it is the first bucket to read.
    int guess = beforeMessageId == null ? bucketOf(System.currentTimeMillis()) : top;
    Future<List<Row>> guessed = guess < bottom || guess > top ? null : client.executeWithFullFetch(read(roomId, beforeMessageId, guess, limit));
    return down(roomId, beforeMessageId, top, bottom, limit, new ArrayList<>(), guess, guessed);
  }

  /**
   * What a client that last saw {@code afterMessageId} missed, in the room's order, at most
   * {@code limit}: every message that came after it in Kafka. Ids are taken when a node accepts a
   * message and the room's order is the order they reached Kafka in, and two nodes can disagree
   * (README, "Order within a room"): a message with an older id can come after the cursor, one with
   * a newer id before it. So when the cursor's offset is stored, this reads from {@link #REORDER_MS}
   * before the cursor's time and keeps what has a higher offset, in offset order. Without it (a
   * message stored before offsets were, or no message of this room), by id: everything newer.
   */
  public Future<List<ChatMessage>> after(String roomId, UUID afterMessageId, int limit) {
    int bucket = bucketOf(afterMessageId);
    return client.executeWithFullFetch(q.offsetOf.bind(roomId, bucket, afterMessageId)).compose(rows -> {
      Row cursor = rows.isEmpty() ? null : rows.get(0);
      if (cursor == null || cursor.isNull("kafka_offset")) {
        return up(roomId, afterMessageId, bucket, limit, new ArrayList<>(), m -> true);
      }
      long offset = cursor.getLong("kafka_offset");
      // A message newer than the cursor by more than a reorder can make came after it whatever its
      // offset says: a lower one means the offsets began again (a topic made anew, a room moved to
      // another partition), and they are no order then.
      long beyond = Uuids.unixTimestamp(afterMessageId) + REORDER_MS;
      Predicate<ChatMessage> later = m -> m.offset() > offset || m.offset() == ChatMessage.NO_OFFSET || m.sentAt() > beyond;
      UUID floor = Uuids.startOf(Uuids.unixTimestamp(afterMessageId) - REORDER_MS);
      List<ChatMessage> before = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (int b = bucketOf(floor); b <= bucket; b++) {
        int each = b;
        chain = chain.compose(v -> client.executeWithFullFetch(q.between.bind(roomId, each, floor, afterMessageId, REORDER_ROWS))
          .map(found -> addAll(roomId, found, before, m -> m.offset() > offset)));
      }
      return Future.all(chain, up(roomId, afterMessageId, bucket, limit, new ArrayList<>(), later)).map(all -> {
        List<ChatMessage> out = new ArrayList<>(before);
        out.addAll(all.<List<ChatMessage>>resultAt(1));
        // In the room's order; a message without an offset (stored before they were) keeps its place by id.
        out.sort(Comparator.comparingLong(m -> m.offset() == ChatMessage.NO_OFFSET ? Long.MAX_VALUE : m.offset()));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
      });
    });
  }

  /** The newest messages of a room, newest first, at most {@code limit}. */
  public Future<List<ChatMessage>> newest(String roomId, int limit) {
    return history(roomId, null, limit, null);
  }

  private Future<List<ChatMessage>> down(String roomId, UUID before, int top, int bottom, int limit, List<ChatMessage> out,
                                         int guess, Future<List<Row>> guessed) {
    if (out.size() >= limit || top < bottom) {
      return Future.succeededFuture(out);
    }
    return client.executeWithFullFetch(q.bucketsDown.bind(roomId, top, bottom, BUCKETS_PER_READ))
      .compose(rows -> {
        List<Integer> buckets = rows.stream().map(r -> r.getInt("bucket")).toList();
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < buckets.size(); i++) {
          int bucket = buckets.get(i);
          boolean useGuess = i == 0 && guessed != null && bucket == guess && out.isEmpty();
          chain = chain.compose(v -> {
            int want = limit - out.size();
            if (want <= 0) {
              return Future.succeededFuture();
            }
            Future<List<Row>> found = useGuess ? guessed : client.executeWithFullFetch(read(roomId, before, bucket, want));
            return found.map(r -> addAll(roomId, r, out));
          });
        }
        return chain.compose(v -> buckets.size() < BUCKETS_PER_READ
          ? Future.succeededFuture(out)
          : down(roomId, before, buckets.get(buckets.size() - 1) - 1, bottom, limit, out, guess, null));
      });
  }

  /** At most {@code want} messages of one bucket, newest first, older than {@code before} if given. */
  private Statement<?> read(String roomId, UUID before, int bucket, int want) {
    // Only the cursor's own bucket holds messages both older and newer than the cursor.
    boolean cut = before != null && bucket == bucketOf(before);
    return cut ? q.olderIn.bind(roomId, bucket, before, want) : q.newestIn.bind(roomId, bucket, want);
  }

  /** At most {@code limit} of the messages newer than {@code after} that {@code keep} keeps, oldest first, from bucket {@code from} up. */
  private Future<List<ChatMessage>> up(String roomId, UUID after, int from, int limit, List<ChatMessage> out,
                                       Predicate<ChatMessage> keep) {
    if (out.size() >= limit) {
      return Future.succeededFuture(out);
    }
    return client.executeWithFullFetch(q.bucketsUp.bind(roomId, from, BUCKETS_PER_READ))
      .compose(rows -> {
        List<Integer> buckets = rows.stream().map(r -> r.getInt("bucket")).toList();
        Future<Void> chain = Future.succeededFuture();
        for (int bucket : buckets) {
          // Every id in a later bucket is newer than the cursor; the bound is exact only in its own.
          UUID floor = bucket == bucketOf(after) ? after : Uuids.startOf(0);
          chain = chain.compose(v -> upIn(roomId, bucket, floor, limit, out, keep));
        }
        return chain.compose(v -> buckets.size() < BUCKETS_PER_READ
          ? Future.succeededFuture(out)
          : up(roomId, after, buckets.get(buckets.size() - 1) + 1, limit, out, keep));
      });
  }

  /** One bucket's part of {@link #up}: read on from the last row read while rows {@code keep} refused left {@code out} short. */
  private Future<Void> upIn(String roomId, int bucket, UUID floor, int limit, List<ChatMessage> out, Predicate<ChatMessage> keep) {
    int want = limit - out.size();
    if (want <= 0) {
      return Future.succeededFuture();
    }
    return client.executeWithFullFetch(q.newerIn.bind(roomId, bucket, floor, want)).compose(found -> {
      addAll(roomId, found, out, keep);
      return found.size() < want ? Future.<Void>succeededFuture()
        : upIn(roomId, bucket, found.get(found.size() - 1).getUuid("message_id"), limit, out, keep);
    });
  }

  private static Void addAll(String roomId, List<Row> rows, List<ChatMessage> out) {
    return addAll(roomId, rows, out, m -> true);
  }

  private static Void addAll(String roomId, List<Row> rows, List<ChatMessage> out, Predicate<ChatMessage> keep) {
    for (Row row : rows) {
      UUID id = row.getUuid("message_id");
      ChatMessage m = new ChatMessage(roomId, id, row.getString("sender_id"), row.getString("body"), Uuids.unixTimestamp(id),
        row.isNull("kafka_offset") ? ChatMessage.NO_OFFSET : row.getLong("kafka_offset"));
      if (keep.test(m)) {
        out.add(m);
      }
    }
    return null;
  }
}
