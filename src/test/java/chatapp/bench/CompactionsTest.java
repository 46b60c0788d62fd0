package chatapp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The split of a benchmark's seconds by Cassandra's compactions, on lines of a real log of the embedded node. */
class CompactionsTest {
  private static final String DIR = "/work/.devstack/test/cassandra/data/chat_test/";
  private static final String TABLE = DIR + "messages_by_room-94f38940ecff11f1a662d9b1c06d6973/";
  private static final String LOG = String.join("\n",
      // The day before: a compaction at the clock time of today's window, and one across midnight.
      "22:01:20.000 INFO  [CompactionExecutor:1] CompactionTask - Compacting (10000000-ed09-11f1-bf9e-13488a45332e) ["
          + TABLE + "nb-1-big-Data.db:level=0, ]",
      "22:01:30.000 INFO  [CompactionExecutor:1] CompactionTask - Compacted (10000000-ed09-11f1-bf9e-13488a45332e) 2 sstables to []",
      "23:59:59.500 INFO  [CompactionExecutor:1] CompactionTask - Compacting (20000000-ed09-11f1-bf9e-13488a45332e) ["
          + TABLE + "nb-2-big-Data.db:level=0, ]",
      "00:00:02.000 INFO  [CompactionExecutor:1] CompactionTask - Compacted (20000000-ed09-11f1-bf9e-13488a45332e) 2 sstables to []",
      "22:01:39.810 INFO  [CompactionExecutor:1] CompactionTask - Compacting (9eafdc90-ed09-11f1-bf9e-13488a45332e) ["
          + TABLE + "nb-330-big-Data.db:level=0, " + TABLE + "nb-331-big-Data.db:level=0, ]",
      "22:01:45.001 INFO  [NativePoolCleaner] ColumnFamilyStore - Enqueuing flush of chat_test.messages_by_room, Reason: MEMTABLE_LIMIT",
      "22:01:50.516 INFO  [CompactionExecutor:1] CompactionTask - Compacted (9eafdc90-ed09-11f1-bf9e-13488a45332e) 4 sstables to ["
          + TABLE + "nb-333-big,] to level=0.  42.177MiB to 42.182MiB",
      // Another table's compaction, and one whose name merely starts with the table's.
      "22:01:50.538 INFO  [CompactionExecutor:1] CompactionTask - Compacting (a5156f50-ed09-11f1-bf9e-13488a45332e) ["
          + DIR.replace("chat_test", "system_schema") + "types-5a8b1ca866023f77a0459273d308917a/nb-15-big-Data.db:level=0, ]",
      "22:01:51.454 INFO  [CompactionExecutor:1] CompactionTask - Compacted (a5156f50-ed09-11f1-bf9e-13488a45332e) 4 sstables to []",
      "22:01:52.000 INFO  [CompactionExecutor:1] CompactionTask - Compacting (b0000000-ed09-11f1-bf9e-13488a45332e) ["
          + DIR + "messages_by_room_old-11f38940ecff11f1a662d9b1c06d6973/nb-1-big-Data.db:level=0, ]",
      // Interrupted (a TRUNCATE stops it): no "Compacted" ever comes.
      "22:01:55.000 INFO  [CompactionExecutor:1] CompactionTask - Compacting (e0000000-ed09-11f1-bf9e-13488a45332e) ["
          + TABLE + "nb-335-big-Data.db:level=0, ]",
      "22:01:57.000 INFO  [CompactionExecutor:1] CompactionManager - Compaction interrupted: "
          + "Compaction(chat_test, messages_by_room, 1024/2048)bytes@e0000000-ed09-11f1-bf9e-13488a45332e",
      // Still running when the log was read.
      "22:02:10.250 INFO  [CompactionExecutor:1] CompactionTask - Compacting (c1000000-ed09-11f1-bf9e-13488a45332e) ["
          + TABLE + "nb-334-big-Data.db:level=0, ]",
      "");
  private static final LocalDateTime READ_AT = LocalDateTime.parse("2026-12-01T22:03:00");

  private static LocalDateTime at(String dateTime) {
    return LocalDateTime.parse(dateTime);
  }

  @Test
  void findsTheTablesCompactionsAndTheSecondsTheyCover(@TempDir Path dir) throws Exception {
    Path log = Files.writeString(dir.resolve("cassandra.log"), LOG);
    List<Compactions.Interval> compactions = Compactions.of(log, "messages_by_room", READ_AT);
    assertEquals(List.of(
        new Compactions.Interval(at("2026-11-30T22:01:20"), at("2026-11-30T22:01:30")),
        new Compactions.Interval(at("2026-11-30T23:59:59.500"), at("2026-12-01T00:00:02")),
        new Compactions.Interval(at("2026-12-01T22:01:39.810"), at("2026-12-01T22:01:50.516")),
        new Compactions.Interval(at("2026-12-01T22:01:55"), at("2026-12-01T22:01:57")),
        new Compactions.Interval(at("2026-12-01T22:02:10.250"), READ_AT)), compactions);

    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:01:25"), 1), "the day before's compaction at that time");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:01:37"), 1), "ends more than 1 s before");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T22:01:38"), 1), "within the margin before");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T22:01:45"), 1), "during");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T22:01:51"), 1), "within the margin after");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:01:52"), 1), "more than 1 s after");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:01:52"), 0), "another table's compaction");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T00:00:00"), 1), "across midnight");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T00:00:04"), 1), "more than 1 s after one across midnight");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T22:01:56"), 1), "until it was interrupted");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:01:59"), 1), "after it was interrupted");
    assertTrue(Compactions.covers(compactions, at("2026-12-01T22:02:30"), 1), "a compaction still running");
    assertFalse(Compactions.covers(compactions, at("2026-12-01T22:04:00"), 1), "after the log was read");
  }

  /**
   * A node's log over three days, with long quiet stretches: each line is dated from the one after
   * it, whatever the gap, short of a whole day.
   */
  @Test
  void datesLinesFarApart(@TempDir Path dir) throws Exception {
    String log = String.join("\n",
        compacting("11:02:00.000", "a0000000"),
        compacted("11:02:05.000", "a0000000"),
        // 23 h 58 min after the line before: its time of day is earlier, so the next day.
        compacting("11:00:00.000", "b0000000"),
        compacted("11:00:05.000", "b0000000"),
        compacting("20:00:00.000", "c0000000"),
        compacted("20:00:05.000", "c0000000"),
        // 14 h after the line before: the next day again (the old 12-hour rule gave both the same day).
        "10:00:00.000 INFO  [main] StorageService - Node is quiet",
        "10:00:31.000 INFO  [NativePoolCleaner] ColumnFamilyStore - Enqueuing flush of chat_test.messages_by_room, Reason: MEMTABLE_LIMIT",
        // Half a second before the line above, logged after it by another thread: the same day.
        compacting("10:00:30.500", "e0000000"),
        compacted("10:00:40.000", "e0000000"),
        "");
    Path file = Files.writeString(dir.resolve("cassandra.log"), log);
    assertEquals(List.of(
        new Compactions.Interval(at("2026-11-29T11:02:00"), at("2026-11-29T11:02:05")),
        new Compactions.Interval(at("2026-11-30T11:00:00"), at("2026-11-30T11:00:05")),
        new Compactions.Interval(at("2026-11-30T20:00:00"), at("2026-11-30T20:00:05")),
        new Compactions.Interval(at("2026-12-01T10:00:30.500"), at("2026-12-01T10:00:40"))),
        Compactions.of(file, "messages_by_room", at("2026-12-01T10:05:00")));
  }

  private static String compacting(String time, String id) {
    return time + " INFO  [CompactionExecutor:1] CompactionTask - Compacting (" + id + "-ed09-11f1-bf9e-13488a45332e) ["
        + TABLE + "nb-1-big-Data.db:level=0, ]";
  }

  private static String compacted(String time, String id) {
    return time + " INFO  [CompactionExecutor:1] CompactionTask - Compacted (" + id + "-ed09-11f1-bf9e-13488a45332e) 2 sstables to []";
  }

  @Test
  void noLogNoCompactions(@TempDir Path dir) {
    assertEquals(List.of(), Compactions.of(dir.resolve("missing.log"), "messages_by_room", READ_AT));
  }
}
