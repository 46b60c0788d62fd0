package chatapp.config;

import chatapp.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/** The Vert.x instance's options, derived from the {@code vertx} configuration slice, for every process that runs services. */
public final class VertxSettings {

  private VertxSettings() {
  }

  /**
   * Metrics on, and Netty's native transport (epoll) when {@code vertx.nativeTransport} asks for it
   * and the platform has it: fewer copies and system calls per socket write, which a chat node
   * makes ten of per message in a room of ten. In the load benchmark at 4,000 msg/s (2 cores) the
   * services' JVM, with its clients, used 75% of a core instead of 78 to 90%, and send-to-delivered
   * p99 over 90 s was 20 to 30 ms where Java NIO gave 34 to 52. The build bundles epoll for Linux on
   * x86-64 and ARM and kqueue for macOS; elsewhere Vert.x falls back to NIO on its own.
   * {@link #transport} says which one runs.
   */
  public static VertxOptions options(JsonObject config) {
    return Metrics.enable(new VertxOptions()).setPreferNativeTransport(nativeWanted(config));
  }

  /** One line for the start-up log: the transport in use, and why not the native one if it was asked for. */
  public static String transport(Vertx vertx, JsonObject config) {
    if (vertx.isNativeTransportEnabled()) {
      // The bundled libraries: epoll on Linux, kqueue on macOS (Netty's classes are runtime-only here).
      return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") ? "native (epoll)" : "native (kqueue)";
    }
    Throwable why = vertx.unavailableNativeTransportCause();
    return nativeWanted(config) && why != null ? "Java NIO (native unavailable: " + why.getMessage() + ")" : "Java NIO";
  }

  private static boolean nativeWanted(JsonObject config) {
    return config.getJsonObject("vertx", new JsonObject()).getBoolean("nativeTransport", true);
  }
}
