package chatapp.devstack;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine JVM: launched on our own java with the engine's classpath, its output in
 * &lt;dir&gt;/logs/&lt;id&gt;.log, its pid in &lt;dir&gt;/&lt;id&gt;.pid, ready once its port accepts a
 * connection. A marker system property on its command line lets a later run recognise (and stop)
 * an engine orphaned by a parent that was killed without a chance to stop it.
 */
final class EngineProcess {
  private static final Logger log = LoggerFactory.getLogger(EngineProcess.class);
  private static final Duration GRACE = Duration.ofSeconds(15);

  /**
   * The collector for both engines: short young pauses, since each one holds every request the
   * engine has in flight, and G1's default goal (200 ms) let Cassandra's grow to 30-50 ms. A pause
   * is nearly all survivor copying (gc+phases logs): Cassandra's memtable index lives until the
   * next flush (8-10 s) and some of Kafka's heap for minutes, and with the default tenuring both
   * were copied from survivor space to survivor space at every pause until promoted (Kafka's
   * survivors went up to age 14). Promoting what survives one pause copies it once, and the 10 ms
   * goal keeps each pause short. At 7,000 msg/s over 120 s, Cassandra's pauses went from a median
   * of 17 ms (p90 26, 1.26 s in all) to 10-11 ms (p90 14-15, 0.95-0.97 s), Kafka's from 14-16 ms
   * to 10 ms with the same total.
   */
  static final List<String> SHORT_PAUSES = List.of("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=10", "-XX:MaxTenuringThreshold=1");

  /**
   * Where there is a POSIX shell, each engine starts from one that ignores SIGINT, and a JVM keeps a
   * signal ignored that it inherits so. A terminal's Ctrl-C signals its whole foreground group, the
   * engines too: they stopped at the same moment as the services, under them (the consumer's last
   * commit and its leave-group met a broker shutting down, and logged an error at every stop). Now
   * only the services take it, and their shutdown stops the engines after them (SIGTERM). Not a
   * session of their own (setsid): Linux's autogroups would then share the cores equally between
   * the services and each engine, which gave a worse tail (p99 75.8 ms against 46.5 at 6,640 msg/s).
   */
  static final boolean SHELL = Files.isExecutable(Path.of("/bin/sh"));

  final String name;
  private final String id;
  private final Path stackDir;
  private final String host;
  private final int port;
  final Path logFile;
  private final Path pidFile;
  final String marker;
  private Process process;
  private boolean stopped;
  /** Timer slack for every thread of the engine, in nanoseconds; 0 keeps the system's (50 µs). */
  private long timerSlackNanos;

  EngineProcess(String name, String id, Path stackDir, String host, int port) {
    this.name = name;
    this.id = id;
    this.stackDir = stackDir;
    this.host = host;
    this.port = port;
    this.logFile = stackDir.resolve("logs").resolve(id + ".log");
    this.pidFile = stackDir.resolve(id + ".pid");
    this.marker = "-Dchatapp.engine=" + id + ":" + stackDir;
  }

  /** Stops an engine left by an earlier run on this directory whose owner has died. */
  void stopLeftover() throws DevStackException, IOException {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) {
      Files.delete(pidFile); // a half-written pid file from a crash names nothing
      return;
    }
    Optional<ProcessHandle> engine = ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
        .filter(h -> h.isAlive() && h.info().arguments().map(a -> Arrays.asList(a).contains(marker)).orElse(false));
    if (engine.isPresent()) {
      long owner = lines.size() > 1 && lines.get(1).trim().matches("\\d+") ? Long.parseLong(lines.get(1).trim()) : -1;
      // An orphan is re-parented (to init or a subreaper); a live owner is still its parent.
      if (engine.get().parent().map(p -> p.pid() == owner && p.isAlive()).orElse(false)) {
        throw new DevStackException(name + ": already running (pid " + engine.get().pid()
            + ") for process " + owner + " on the same directory " + stackDir);
      }
      System.out.println("devstack: stopping " + name + " left over from an earlier run (pid " + engine.get().pid() + ")");
      terminate(engine.get());
    }
    Files.deleteIfExists(pidFile);
  }

  /** Keeps the previous run's log as .log.1, so the log shows this run only. */
  void rotateLog() throws IOException {
    Files.createDirectories(logFile.getParent());
    if (Files.exists(logFile)) {
      Files.move(logFile, logFile.resolveSibling(id + ".log.1"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Runs a one-shot tool of the engine (storage formatting) to completion, output to the log. */
  void runTool(String classpath, List<String> jvmArgs, String mainClass, List<String> args)
      throws DevStackException, IOException, InterruptedException {
    Process tool = builder(classpath, jvmArgs, mainClass, args).start();
    if (!tool.waitFor(2, TimeUnit.MINUTES) || tool.exitValue() != 0) {
      tool.destroyForcibly();
      throw new DevStackException(name + ": " + mainClass + " " + String.join(" ", args) + " failed; last lines of "
          + logFile + ":\n" + tail(logFile, 20));
    }
  }

  synchronized void start(String classpath, List<String> jvmArgs, String mainClass, List<String> args)
      throws DevStackException, IOException {
    if (stopped) {
      throw new DevStackException(name + ": start cancelled");
    }
    List<String> all = new ArrayList<>(jvmArgs);
    all.add(0, marker);
    process = builder(classpath, all, mainClass, args).start();
    Files.writeString(pidFile, process.pid() + "\n" + ProcessHandle.current().pid() + "\n");
    log.debug("{} started as pid {}", name, process.pid());
  }

  /**
   * Lets the kernel run the engine's timed sleeps up to {@code slack} late, so that sleeps of a few
   * microseconds are batched instead of each waking a thread (Linux only: elsewhere it does
   * nothing). Set before {@link #start}; a thread is woken on time when it is signalled.
   */
  void timerSlack(Duration slack) {
    timerSlackNanos = slack.toNanos();
  }

  /** The classpath travels in the environment: command lines stay short and readable in ps. */
  private ProcessBuilder builder(String classpath, List<String> jvmArgs, String mainClass, List<String> args) {
    List<String> cmd = new ArrayList<>();
    if (SHELL) {
      StringBuilder script = new StringBuilder("trap '' INT; ");
      if (timerSlackNanos > 0 && Files.isWritable(Path.of("/proc/self/timerslack_ns"))) {
        // A thread's timer slack passes to the threads it starts and survives exec: set on the shell
        // that becomes the JVM, it holds for all of the engine's threads. Only a process's own slack
        // may be set without privileges, hence the shell rather than a write from here.
        script.append("{ echo ").append(timerSlackNanos).append(" > /proc/self/timerslack_ns; } 2>/dev/null; ");
      }
      cmd.addAll(List.of("/bin/sh", "-c", script.append("exec \"$@\"").toString(), "sh"));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(logFile.toFile())).redirectInput(Redirect.from(new File("/dev/null")));
    pb.environment().put("CLASSPATH", classpath);
    log.debug("{}: {}", name, cmd);
    return pb;
  }

  void awaitReady(Duration timeout) throws DevStackException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Process p;
      synchronized (this) {
        p = process;
        if (stopped) {
          throw new DevStackException(name + ": start cancelled");
        }
      }
      if (!p.isAlive()) {
        throw new DevStackException(name + ": exited with code " + p.exitValue() + " before accepting connections on "
            + host + ":" + port + "; last lines of " + logFile + ":\n" + tail(logFile, 20));
      }
      if (canConnect(host, port)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new DevStackException(name + ": not accepting connections on " + host + ":" + port + " after "
            + timeout.toSeconds() + " s; last lines of " + logFile + ":\n" + tail(logFile, 20));
      }
      Thread.sleep(100);
    }
  }

  synchronized Optional<ProcessHandle> handle() {
    return Optional.ofNullable(process).map(Process::toHandle);
  }

  /** SIGTERM (the engine's own shutdown hook flushes and closes), then SIGKILL after a grace period. */
  void stop() {
    Process p;
    synchronized (this) {
      stopped = true;
      p = process;
    }
    if (p != null) {
      terminate(p.toHandle());
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException e) {
        log.debug("cannot delete {}", pidFile, e);
      }
    }
  }

  private void terminate(ProcessHandle h) {
    h.destroy();
    try {
      h.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException | InterruptedException e) {
      System.out.println("devstack: " + name + " did not stop within " + GRACE.toSeconds() + " s; killing it");
      h.destroyForcibly();
      h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> h).join();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static boolean canConnect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Free as a server would see it: with SO_REUSEADDR, so sockets in TIME_WAIT do not count. */
  static boolean canBind(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Arrays.asList(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
