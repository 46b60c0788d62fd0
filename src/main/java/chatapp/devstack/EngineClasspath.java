package chatapp.devstack;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classpath of an engine, from its standalone pom under engines/&lt;id&gt;/. Maven resolves it
 * (so the engines' jars come from Maven Central like everything else, and never sit on our own
 * classpath); the answer is cached under a name that carries a hash of the pom, so the next run
 * costs nothing and an edited pom is resolved again.
 */
final class EngineClasspath {
  private static final Logger log = LoggerFactory.getLogger(EngineClasspath.class);
  // Two Maven processes filling the same local repository at once can corrupt a download.
  private static final Object MAVEN = new Object();

  private EngineClasspath() {}

  static String resolve(String id, String name, Path stackDir, Path logFile)
      throws DevStackException {
    Path pom = Path.of("engines", id, "pom.xml").toAbsolutePath();
    if (!Files.isRegularFile(pom)) {
      throw new DevStackException(name + ": " + pom + " not found (run from the project directory)");
    }
    try {
      String hash = HexFormat.of().formatHex(sha256(Files.readAllBytes(pom))).substring(0, 12);
      Path cache = stackDir.resolve("classpath").resolve(id + "-" + hash + ".txt");
      String cached = usable(cache);
      if (cached != null) {
        return cached;
      }
      synchronized (MAVEN) {
        System.out.println("devstack: resolving the " + name + " classpath with Maven (once per pom) ...");
        long t0 = System.nanoTime();
        Files.createDirectories(cache.getParent());
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        runMaven(name, pom, tmp, logFile);
        Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("devstack: %s classpath resolved in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        return Files.readString(cache).trim();
      }
    } catch (IOException e) {
      throw new DevStackException(name + ": cannot resolve its classpath: " + e, e);
    }
  }

  /** The cached classpath, or null when absent or when a jar has gone (local repository wiped). */
  private static String usable(Path cache) throws IOException {
    if (!Files.isRegularFile(cache)) {
      return null;
    }
    String cp = Files.readString(cache).trim();
    for (String entry : cp.split(File.pathSeparator)) {
      if (entry.isEmpty() || !Files.exists(Path.of(entry))) {
        log.debug("cached classpath {} is stale ({})", cache, entry);
        return null;
      }
    }
    return cp.isEmpty() ? null : cp;
  }

  private static void runMaven(String name, Path pom, Path out, Path logFile)
      throws DevStackException, IOException {
    List<String> cmd = List.of(mvn(), "-q", "-B", "-Dstyle.color=never", "-f", pom.toString(),
        "dependency:build-classpath", "-Dmdep.outputFile=" + out);
    log.debug("running {}", cmd);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(logFile.toFile())).start();
    } catch (IOException e) {
      throw new DevStackException(name + ": cannot run Maven (" + cmd.get(0) + ") to resolve its "
          + "classpath; set -Dmaven.home or put mvn on the PATH: " + e.getMessage(), e);
    }
    try {
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new DevStackException(name + ": Maven took over 15 minutes to resolve " + pom);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new DevStackException(name + ": interrupted while Maven resolved its classpath", e);
    }
    if (p.exitValue() != 0 || !Files.isRegularFile(out)) {
      throw new DevStackException(name + ": Maven could not resolve " + pom + " (exit " + p.exitValue()
          + "); last lines of " + logFile + ":\n" + EngineProcess.tail(logFile, 20));
    }
  }

  /** The Maven that runs us when there is one (surefire and exec:java pass maven.home), else PATH's. */
  private static String mvn() {
    String home = System.getProperty("maven.home");
    String exe = System.getProperty("os.name", "").startsWith("Windows") ? "mvn.cmd" : "mvn";
    if (home != null && !home.isBlank() && Files.isExecutable(Path.of(home, "bin", exe))) {
      return Path.of(home, "bin", exe).toString();
    }
    return exe;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
