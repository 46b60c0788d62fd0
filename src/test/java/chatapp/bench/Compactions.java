package chatapp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
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
 * write. The log has times of day only: a window that spans midnight is split wrongly.
 */
final class Compactions {
  // 21:14:06.899 INFO  [CompactionExecutor:1] CompactionTask - Compacting (fa399030-...) [/.../messages_by_room-94f3.../nb-75-big-Data.db:level=0, ...]
  // 21:14:09.630 INFO  [CompactionExecutor:1] CompactionTask - Compacted (fa399030-...) 4 sstables to [...]
  private static final Pattern LINE = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .* (Compacting|Compacted) \\(([0-9a-f-]+)\\)(.*)$");

  /** When a compaction started and ended; {@code end} is null while it runs. */
  record Interval(LocalTime start, LocalTime end) {
  }

  private Compactions() {
  }

  /** The compactions of {@code table} in the log, in the order they started; none if there is no log. */
  static List<Interval> of(Path log, String table) {
    if (!Files.isRegularFile(log)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Integer> running = new HashMap<>();
    List<Interval> all = new ArrayList<>();
    for (String line : lines) {
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      LocalTime at = LocalTime.parse(m.group(1));
      if (m.group(2).equals("Compacting")) {
        // The table's directory is named table-<id>: the name alone would also match messages_by_room_2.
        if (m.group(4).contains("/" + table + "-")) {
          running.put(m.group(3), all.size());
          all.add(new Interval(at, null));
        }
      } else {
        Integer i = running.remove(m.group(3));
        if (i != null) {
          all.set(i, new Interval(all.get(i).start(), at));
        }
      }
    }
    return all;
  }

  /**
   * Whether the second starting at {@code second} is within {@code margin} seconds of a
   * compaction: a compaction's garbage is collected after it, and the log's times are when it
   * began and ended, not when its effects did.
   */
  static boolean covers(List<Interval> compactions, LocalTime second, int margin) {
    for (Interval c : compactions) {
      LocalTime from = c.start().minusSeconds(margin);
      LocalTime to = c.end() == null ? LocalTime.MAX : c.end().plusSeconds(margin);
      if (second.plusSeconds(1).isAfter(from) && !second.isAfter(to)) {
        return true;
      }
    }
    return false;
  }
}
