package chatapp.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy that forwards both ways until told to go silent, then drops every byte but keeps its
 * sockets open: what a crashed host or a dropped route looks like to both ends. Only a probe that
 * expects an answer (an HTTP/2 PING) can tell.
 */
public final class SilencingProxy {

  /** Connections accepted, and those the client side closed after the silence began. */
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger closedByClient = new AtomicInteger();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final Set<NetSocket> silenced = ConcurrentHashMap.newKeySet();
  private final int port;

  private SilencingProxy(Vertx vertx, int targetPort) {
    NetClient client = vertx.createNetClient();
    this.port = vertx.createNetServer().connectHandler(in -> {
      connections.incrementAndGet();
      open.add(in);
      in.pause();
      client.connect(targetPort, "127.0.0.1").onSuccess(out -> {
        in.handler(b -> {
          if (!silenced.contains(in)) {
            out.write(b);
          }
        });
        out.handler(b -> {
          if (!silenced.contains(in)) {
            in.write(b);
          }
        });
        in.closeHandler(v -> {
          open.remove(in);
          if (silenced.contains(in)) {
            closedByClient.incrementAndGet();
          }
          out.close();
        });
        in.resume();
      });
    }).listen(0, "127.0.0.1").await().actualPort();
  }

  /** A proxy on a free port of 127.0.0.1 to {@code targetPort} there. */
  public static SilencingProxy start(Vertx vertx, int targetPort) {
    return new SilencingProxy(vertx, targetPort);
  }

  public int port() {
    return port;
  }

  /** Every connection open now goes silent; later ones forward as before. */
  public void silenceAll() {
    silenced.addAll(open);
  }
}
