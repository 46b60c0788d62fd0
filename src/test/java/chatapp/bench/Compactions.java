package chatapp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * back from {@code readAt}: a line more than 12 hours later than the one after it was written the
   * day before (lines of different threads may be a few milliseconds out of order).
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
      LocalDateTime t = next.toLocalDate().atTime(time);
      at[i] = t.isAfter(next.plusHours(12)) ? t.minusDays(1) : t;
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
