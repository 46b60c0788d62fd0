package chatapp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded Cassandra node's compactions of one table, read from its log, so that a window's
 * seconds can be split into those a compaction covered and the others. On this machine the
 * compactions of {@code messages_by_room} are where the bad seconds gather: they make garbage, and
 * the node's collector then pauses two to three and a half times as often, each pause holding every
 * write.
 */
final class Compactions {
  // 21:14:06.899 INFO  [CompactionExecutor:1] CompactionTask - Compacting (fa399030-...) [/.../messages_by_room-94f3.../nb-75-big-Data.db:level=0, ...]
  // 21:14:09.630 INFO  [CompactionExecutor:1] CompactionTask - Compacted (fa399030-...) 4 sstables to [...]
  private static final Pattern COMPACTING = Pattern.compile(" Compacting \\(([0-9a-f-]+)\\)(.*)$");
  /** How much later than the line after it a line may be and still be of the same day (threads log out of order). */
  private static final Duration OUT_OF_ORDER = Duration.ofMinutes(1);
  private static final long DAY_NANOS = Duration.ofDays(1).toNanos();

  /** When a compaction started and ended (when the log was read, if it was still running then). */
  record Interval(LocalDateTime start, LocalDateTime end) {
  }

  private Compactions() {
  }

  /**
   * The compactions of {@code table} in the log, in the order they started; none if there is no
   * log. {@code readAt} is now: the log has times of day only, so each line is dated by walking
   * back from it, and a compaction with no end in the log was running until then.
   */
  static List<Interval> of(Path log, String table, LocalDateTime readAt) {
    if (!Files.isRegularFile(log)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalDateTime[] at = dates(lines, readAt);
    Map<String, Integer> running = new HashMap<>();
    List<Interval> all = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (at[i] == null) {
        continue;
      }
      String line = lines.get(i);
      Matcher m = COMPACTING.matcher(line);
      if (m.find()) {
        // The table's directory is named table-<id>: the name alone would also match messages_by_room_2.
        if (m.group(2).contains("/" + table + "-")) {
          running.put(m.group(1), all.size());
          all.add(new Interval(at[i], readAt));
        }
        continue;
      }
      // Any later line naming a running compaction ends it: "Compacted (id)", or one that was
      // interrupted ("Compaction interrupted: ...@id"), which never logs "Compacted".
      for (var it = running.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (line.contains(e.getKey())) {
          all.set(e.getValue(), new Interval(all.get(e.getValue()).start(), at[i]));
          it.remove();
        }
      }
    }
    return all;
  }

  /**
   * The date and time of each line that starts with a time of day (null for the others), walking
   * back from {@code readAt}: each line was written as long before the next as its time of day is
   * before the next one's, counted back across midnight, so a line whose time of day is later than
   * the next line's was written the day before. Lines of different threads may be a few
   * milliseconds out of order: a line later than the next by at most {@link #OUT_OF_ORDER} was
   * written just after it, not a day before. (The rule was once "more than 12 hours later
   * than the next line": two lines 12 to 24 hours apart then got the same day.) A gap of a whole
   * day or more cannot be told from the times alone.
   */
  private static LocalDateTime[] dates(List<String> lines, LocalDateTime readAt) {
    LocalDateTime[] at = new LocalDateTime[lines.size()];
    LocalDateTime next = readAt;
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.length() < 12 || line.charAt(2) != ':' || line.charAt(8) != '.') {
        continue;
      }
      LocalTime time;
      try {
        time = LocalTime.parse(line.substring(0, 12));
      } catch (DateTimeParseException e) {
        continue;
      }
      long before = Math.floorMod(next.toLocalTime().toNanoOfDay() - time.toNanoOfDay(), DAY_NANOS);
      if (before > DAY_NANOS - OUT_OF_ORDER.toNanos()) {
        before -= DAY_NANOS; // a little later than the next line: logged out of order, not a day before
      }
      at[i] = next.minusNanos(before);
      next = at[i];
    }
    return at;
  }

  /**
   * Whether the second starting at {@code second} is within {@code margin} seconds of a
   * compaction: a compaction's garbage is collected after it, and the log's times are when it
   * began and ended, not when its effects did.
   */
  static boolean covers(List<Interval> compactions, LocalDateTime second, int margin) {
    for (Interval c : compactions) {
      LocalDateTime from = c.start().minusSeconds(margin);
      LocalDateTime to = c.end().plusSeconds(margin);
      if (second.plusSeconds(1).isAfter(from) && !second.isAfter(to)) {
        return true;
      }
    }
    return false;
  }
}
