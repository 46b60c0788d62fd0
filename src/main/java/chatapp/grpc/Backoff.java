package chatapp.grpc;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter, for retried calls and reconnecting streams: the n-th
 * retry waits between half and all of {@code min(maxMs, initialMs * 2^(n-1))}. The jitter keeps
 * many clients that lost the same server from coming back in lockstep; the floor keeps a retry
 * from firing at once.
 */
public record Backoff(long initialMs, long maxMs) {

  public Backoff {
    if (initialMs <= 0 || maxMs < initialMs) {
      throw new IllegalArgumentException("backoff needs 0 < initialMs <= maxMs, got " + initialMs + ", " + maxMs);
    }
  }

  /** From a slice {@code {"initialBackoffMs": ..., "maxBackoffMs": ...}}. */
  public static Backoff from(JsonObject slice) {
    return new Backoff(slice.getLong("initialBackoffMs"), slice.getLong("maxBackoffMs"));
  }

  /** The delay before retry number {@code attempt} (1 for the first retry). */
  public long delay(int attempt) {
    int doublings = Math.max(0, Math.min(attempt - 1, 30));
    long cap = Math.min(maxMs, initialMs << doublings);
    if (cap <= 0) {
      cap = maxMs; // the shift overflowed
    }
    return cap / 2 + ThreadLocalRandom.current().nextLong(cap - cap / 2 + 1);
  }
}
