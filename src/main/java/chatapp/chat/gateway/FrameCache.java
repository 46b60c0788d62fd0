package chatapp.chat.gateway;

import io.vertx.core.buffer.Buffer;

import java.util.function.BiFunction;

/**
 * The last delivery frame encoded on each event-loop thread, reused while the next delivery is of
 * the same body instance to the same address. A room's message reaches every socket of the node
 * as one instance ({@link chatapp.bus.SharedJson}), and the sockets' deliveries of it run one
 * after the other on their event loops: the frame is encoded once per event loop instead of once
 * per socket. A frame is never changed once encoded (a socket writes a slice of it), so sockets
 * can share it. Any other body misses, and is encoded as before.
 */
final class FrameCache {

  private record Last(String address, Object body, Buffer frame) {
  }

  private final ThreadLocal<Last> last = new ThreadLocal<>();
  private final BiFunction<String, Object, Buffer> encoder;

  /** {@code encoder}: the frame that delivers a body from an address, on this transport. */
  FrameCache(BiFunction<String, Object, Buffer> encoder) {
    this.encoder = encoder;
  }

  Buffer frame(String address, Object body) {
    Last l = last.get();
    if (l != null && l.body == body && l.address.equals(address)) {
      return l.frame;
    }
    Buffer frame = encoder.apply(address, body);
    last.set(new Last(address, body, frame));
    return frame;
  }
}
