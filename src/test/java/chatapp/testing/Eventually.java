package chatapp.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for an asynchronous outcome by asking again until it holds, up to a deadline: the wait ends
 * as soon as the condition is observed, and a condition never observed fails the test with the last
 * value seen. It never sleeps a fixed time hoping something happened.
 */
public final class Eventually {

  private Eventually() {
  }

  public static <T> T get(Vertx vertx, Duration within, Supplier<Future<T>> ask, Predicate<T> done) {
    long deadline = System.nanoTime() + within.toNanos();
    T last = null;
    Throwable error = null;
    while (System.nanoTime() < deadline) {
      try {
        last = ask.get().await();
        error = null;
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        error = e;
      }
      Future<Void> pause = Future.future(p -> vertx.setTimer(50, t -> p.complete()));
      pause.await();
    }
    throw new AssertionError("not observed within " + within + "; last value: " + last, error);
  }

  /** Asks until the answer is non-null. */
  public static <T> T find(Vertx vertx, Duration within, Supplier<Future<T>> ask) {
    return get(vertx, within, ask, v -> v != null);
  }
}
