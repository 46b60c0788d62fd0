package chatapp.testing;

import chatapp.devstack.DevStack;
import chatapp.devstack.DevStackException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Kafka and one real Cassandra per test JVM, shared by every test class: they take
 * seconds to start, so tests isolate themselves by topic, keyspace or TRUNCATE instead. Ports
 * (19092, 19093, 19042, 17000) and data (.devstack/test) are its own, so it runs beside a dev
 * stack on the defaults. Data is kept between runs: the second run skips formatting.
 *
 * <p>{@code SharedStack.get().kafkaBootstrap()} is all a test needs. Registering the class as an
 * extension ({@code @ExtendWith(SharedStack.class)}) also stops the engines when JUnit finishes
 * instead of at JVM exit; either way a shutdown hook is the backstop.
 */
public final class SharedStack implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedStack.class);
  private static DevStack stack;
  private static IllegalStateException failure;
  private static boolean hooked;

  /** Starts the shared stack on first use; a failed start fails every later call at once. */
  public static synchronized DevStack get() {
    if (failure != null) {
      throw failure;
    }
    if (stack == null) {
      // CHAT_TEST_STACK=N moves the stack to its own ports and data, so two checkouts (or two
      // engineers on one machine) can run their tests at the same time.
      int slot = Integer.parseInt(System.getenv().getOrDefault("CHAT_TEST_STACK", "0"));
      int shift = slot * 100;
      JsonObject config = new JsonObject()
          .put("dir", slot == 0 ? ".devstack/test" : ".devstack/test-" + slot)
          .put("host", "127.0.0.1")
          .put("kafka", new JsonObject().put("port", 19092 + shift).put("controllerPort", 19093 + shift))
          .put("cassandra", new JsonObject().put("nativePort", 19042 + shift).put("storagePort", 17000 + shift));
      try {
        stack = DevStack.start(config);
      } catch (DevStackException e) {
        failure = new IllegalStateException("shared test stack did not start: " + e.getMessage(), e);
        throw failure;
      }
      if (!hooked) {
        hooked = true;
        Runtime.getRuntime().addShutdownHook(new Thread(SharedStack::stop, "shared-stack-stop"));
      }
    }
    return stack;
  }

  /** Stops the shared stack if it runs; a later get() starts it again. */
  public static synchronized void stop() {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    get();
    // The root store closes its resources once, after the last test class of the run.
    context.getRoot().getStore(NS).getOrComputeIfAbsent("stack",
        k -> (ExtensionContext.Store.CloseableResource) SharedStack::stop);
  }
}
