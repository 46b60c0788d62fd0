package chatapp.testing;

import io.vertx.core.Context;
import io.vertx.core.Promise;

import java.util.concurrent.Callable;

/** Runs a step of a test on a Vert.x context (an event loop), where the code under test expects to run. */
public final class OnContext {

  private OnContext() {
  }

  /** Runs {@code action} on {@code context} and returns what it returned, once it has. */
  public static <T> T call(Context context, Callable<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        result.complete(action.call());
      } catch (Exception e) {
        result.fail(e);
      }
    });
    return result.future().await();
  }
}
