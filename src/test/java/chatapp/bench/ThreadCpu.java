package chatapp.bench;

import chatapp.testing.ProcStat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The CPU time some of a process's threads (those whose name starts with a prefix) used in each
 * wall-clock second, read from {@code /proc} (Linux). Cassandra's log says when a compaction ran;
 * paced at 2 MiB/s one runs nearly all the time, and only its thread's CPU tells the seconds it
 * was busy from those it waited on its pacing.
 */
final class ThreadCpu implements AutoCloseable {

  /** {@code /proc}'s ticks per second (USER_HZ, {@code getconf CLK_TCK}): 100 on Linux. */
  private static final int TICKS_PER_SECOND = 100;

  private final Path tasks;
  private final String prefix;
  private final Map<LocalTime, Double> percentBySecond = new ConcurrentHashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;

  private ThreadCpu(long pid, String prefix) {
    this.tasks = Path.of("/proc", String.valueOf(pid), "task");
    this.prefix = prefix;
    this.sampler = new Thread(this::sample, "thread-cpu-sampler");
    sampler.setDaemon(true);
  }

  /** Starts sampling at each whole second; a process without {@code /proc} (not Linux) gives no seconds. */
  static ThreadCpu start(long pid, String prefix) {
    ThreadCpu cpu = new ThreadCpu(pid, prefix);
    cpu.sampler.start();
    return cpu;
  }

  /** The share of one core, in percent, that the threads used in the second starting at {@code second}; null if not sampled. */
  Double percentIn(LocalTime second) {
    return percentBySecond.get(second.truncatedTo(ChronoUnit.SECONDS));
  }

  private void sample() {
    try {
      Map<String, Long> before = ticks();
      while (running) {
        long now = System.currentTimeMillis();
        Thread.sleep(1000 - now % 1000); // to the next whole second
        LocalTime second = LocalTime.now().minusNanos(500_000_000).truncatedTo(ChronoUnit.SECONDS);
        Map<String, Long> after = ticks();
        long used = 0;
        for (Map.Entry<String, Long> t : after.entrySet()) {
          // A thread that started within the second counts whole; one that ended loses its last part.
          used += t.getValue() - before.getOrDefault(t.getKey(), 0L);
        }
        percentBySecond.put(second, used * 100.0 / TICKS_PER_SECOND);
        before = after;
      }
    } catch (InterruptedException | UncheckedIOException stopped) {
      // closed, or the process is gone
    }
  }

  /** Per thread id, user plus system ticks of the threads whose name starts with the prefix. */
  private Map<String, Long> ticks() {
    Map<String, Long> ticks = new HashMap<>();
    if (!Files.isDirectory(tasks)) {
      throw new UncheckedIOException(new IOException(tasks + " is gone"));
    }
    try (Stream<Path> threads = Files.list(tasks)) {
      threads.forEach(t -> {
        try {
          if (Files.readString(t.resolve("comm")).strip().startsWith(prefix)) {
            String[] f = ProcStat.fields(t.resolve("stat"));
            ticks.put(t.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
          }
        } catch (IOException ended) {
          // the thread ended between the listing and the read
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ticks;
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
