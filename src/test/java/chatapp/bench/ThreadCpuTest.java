package chatapp.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ThreadCpuTest {

  private static final class Spinner extends Thread {
    volatile boolean spinning = true;
    long sink;

    Spinner(String name) {
      super(name);
      setDaemon(true);
    }

    @Override
    public void run() {
      while (spinning) {
        sink += System.nanoTime() % 7;
      }
    }
  }

  /** Waits, by the wall clock, until the sampler has recorded the second that starts at {@code second}. */
  private static double sampled(ThreadCpu cpu, LocalTime second) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (cpu.percentIn(second) == null) {
      assertTrue(System.currentTimeMillis() < deadline, "second " + second + " never sampled");
      Thread.sleep(50);
    }
    return cpu.percentIn(second);
  }

  @Test
  @DisplayName("counts per second the CPU of the threads named with the prefix, and of no other thread")
  void countsOnlyTheNamedThreads() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
    Spinner compaction = new Spinner("CompactionExecutor:1");
    Spinner other = new Spinner("OtherWork:1"); // busy too, and must not be counted
    compaction.start();
    other.start();
    List<Double> busy = new ArrayList<>();
    List<Double> idle = new ArrayList<>();
    try (ThreadCpu cpu = ThreadCpu.start(ProcessHandle.current().pid(), "CompactionExec")) {
      LocalTime first = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1); // the first whole second
      for (int i = 0; i < 3; i++) {
        busy.add(sampled(cpu, first.plusSeconds(i)));
      }
      compaction.spinning = false;
      compaction.join();
      LocalTime after = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
      for (int i = 0; i < 2; i++) {
        idle.add(sampled(cpu, after.plusSeconds(i)));
      }
    } finally {
      compaction.spinning = false;
      other.spinning = false;
    }
    // One spinning thread is at most one core (ticks are 10 ms, and a sample may come a little late);
    // with the other spinner counted too it would be near two on a machine with two cores or more.
    assertTrue(busy.stream().allMatch(p -> p >= 30 && p <= 125), "while it spun: " + busy);
    assertTrue(idle.stream().allMatch(p -> p <= 5), "once it stopped: " + idle);
  }
}
