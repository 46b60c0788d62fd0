package chatapp.testing;

import chatapp.Main;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code chatapp.Main} in a JVM of its own, as a user or an orchestrator runs it: the environment is
 * its configuration, its output is read line by line. Closing it kills whatever is left of it.
 */
public final class MainProcess implements AutoCloseable {

  public static final String READY = "chat system ready in";
  /** What {@link #startAsForeground} starts Main with (util-linux). */
  public static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Process process;
  private final Map<String, String> env;
  private final List<String> output = new CopyOnWriteArrayList<>();
  /** Every JVM it ever started, noted at each line it prints: a failed run stops them quickly. */
  private final Set<ProcessHandle> children = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private final Map<String, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();

  private MainProcess(Process process, Map<String, String> env) {
    this.process = process;
    this.env = env;
  }

  /** Starts Main with {@code args} and {@code env}; returns at once. */
  public static MainProcess start(Map<String, String> env, String... args) throws IOException {
    return start(List.of(), env, args);
  }

  /**
   * Starts Main leading a process group of its own, as a shell starts a foreground command: what it
   * starts joins the group, and {@link #interruptGroup()} signals them all, as Ctrl-C does. Needs
   * setsid (util-linux).
   */
  public static MainProcess startAsForeground(Map<String, String> env, String... args) throws IOException {
    return start(List.of(SETSID.toString()), env, args);
  }

  private static MainProcess start(List<String> prefix, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp", classPath()));
    if (System.getProperty("maven.home") != null) {
      command.add("-Dmaven.home=" + System.getProperty("maven.home"));
    }
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    MainProcess main = new MainProcess(pb.start(), env);
    Thread reader = new Thread(main::read, "main-process-output");
    reader.setDaemon(true);
    reader.start();
    return main;
  }

  /**
   * This JVM's class path: the system one under surefire; under {@code exec:java} (the benchmarks)
   * that is Maven's launcher, and the project's classes are in the class loader exec made.
   */
  private static String classPath() {
    if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader) {
      List<String> entries = new ArrayList<>();
      for (URL url : loader.getURLs()) {
        try {
          entries.add(Path.of(url.toURI()).toString());
        } catch (URISyntaxException e) {
          throw new IllegalStateException("not a file on the class path: " + url, e);
        }
      }
      return String.join(File.pathSeparator, entries);
    }
    return System.getProperty("java.class.path");
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String read; (read = r.readLine()) != null; ) {
        String line = read;
        process.descendants().forEach(children::add);
        synchronized (this) {
          output.add(line);
          waiters.forEach((text, waiter) -> {
            if (line.contains(text)) {
              waiter.complete(null);
            }
          });
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
    synchronized (this) {
      drained.complete(null);
      waiters.values().forEach(w -> w.complete(null));
    }
  }

  /** Waits until a line containing {@code text} was printed; fails when the process ends first or time runs out. */
  public MainProcess awaitLine(String text, long seconds) throws Exception {
    CompletableFuture<Void> waiter;
    synchronized (this) {
      if (printed(text)) {
        return this;
      }
      waiter = waiters.computeIfAbsent(text, t -> new CompletableFuture<>());
      if (drained.isDone()) {
        waiter.complete(null);
      }
    }
    try {
      waiter.get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // reported below with the output
    }
    if (!printed(text)) {
      throw new AssertionError("no line with '" + text + "' (process " + (process.isAlive() ? "running" : "ended") + "):\n" + output());
    }
    return this;
  }

  public boolean printed(String text) {
    return output.stream().anyMatch(l -> l.contains(text));
  }

  public String output() {
    return String.join("\n", output);
  }

  public Process process() {
    return process;
  }

  public Map<String, String> env() {
    return env;
  }

  public List<ProcessHandle> children() {
    return List.copyOf(children);
  }

  /** SIGTERM through the handle (Process.destroy() would also close our end of its output). */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** SIGINT to Main's whole process group, as a terminal's Ctrl-C sends it (see {@link #startAsForeground}). */
  public void interruptGroup() throws Exception {
    Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + process.pid()).redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -INT -" + process.pid() + " failed: " + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  public void kill() {
    process.toHandle().destroyForcibly();
  }

  /** Waits for the exit and for the last line of output. */
  public boolean awaitExit(long seconds) throws Exception {
    boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
    if (exited) {
      drained.get(10, TimeUnit.SECONDS);
    }
    return exited;
  }

  @Override
  public void close() {
    children.forEach(ProcessHandle::destroyForcibly);
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
