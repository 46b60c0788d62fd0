package chatapp.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Linux's {@code /proc/<pid>/stat} (or a thread's, under {@code task/<tid>}), read by field. */
public final class ProcStat {

  private ProcStat() {
  }

  /**
   * The fields after the command name, which sits in parentheses and may hold spaces: index 0 is
   * the state, 1 the ppid, 2 the process group, 3 the session, 11 utime, 12 stime (man 5 proc).
   */
  public static String[] fields(Path stat) throws IOException {
    String text = Files.readString(stat);
    return text.substring(text.lastIndexOf(')') + 2).split(" ");
  }
}
