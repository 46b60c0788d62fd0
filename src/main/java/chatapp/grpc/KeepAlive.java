package chatapp.grpc;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;

import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Probes a long-lived stream's HTTP/2 connection with a PING every {@code intervalMs}. A peer that
 * went away without closing (a crashed host, a dropped route) leaves the connection open and the
 * stream silent, which nothing else reveals: a PING unanswered within {@code timeoutMs} reports it
 * and closes the connection. Both ends of the presence stream use it, each for its own view.
 */
public final class KeepAlive {

  /** A PING frame carries exactly 8 bytes, echoed back in its answer. */
  private static final Buffer PING = Buffer.buffer(new byte[8]);

  private KeepAlive() {
  }

  /**
   * Starts probing; stops once {@code wanted} says false (the stream was replaced or ended), or
   * after reporting a failure to {@code broken} (once).
   */
  public static void probe(Vertx vertx, HttpConnection connection, long intervalMs, long timeoutMs, BooleanSupplier wanted,
                           Consumer<Throwable> broken) {
    probe(vertx, connection, intervalMs, timeoutMs, wanted, sentAt -> { }, broken);
  }

  /**
   * The same, telling {@code answered} the {@link System#nanoTime()} at which each answered PING
   * was sent: the peer has received everything written on the connection before then.
   */
  public static void probe(Vertx vertx, HttpConnection connection, long intervalMs, long timeoutMs, BooleanSupplier wanted,
                           LongConsumer answered, Consumer<Throwable> broken) {
    if (intervalMs <= 0) {
      return;
    }
    vertx.setTimer(intervalMs, t -> {
      if (!wanted.getAsBoolean()) {
        return;
      }
      long sentAt = System.nanoTime();
      long deadline = vertx.setTimer(timeoutMs, t2 -> {
        if (wanted.getAsBoolean()) {
          // Reported first, so the log names the silence, not the close that follows from it.
          broken.accept(new TimeoutException("no answer to a PING within " + timeoutMs + " ms"));
          connection.close();
        }
      });
      connection.ping(PING).onComplete(ar -> {
        vertx.cancelTimer(deadline);
        if (ar.succeeded()) {
          answered.accept(sentAt);
          probe(vertx, connection, intervalMs, timeoutMs, wanted, answered, broken);
        } else if (wanted.getAsBoolean()) {
          broken.accept(ar.cause());
        }
      });
    });
  }
}
