package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import chatapp.testing.Eventually;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A room's consumer on a loop outlives its last socket by {@link RoomFeeds#LINGER_MS}: a socket that
 * comes back within it finds the feed live, and publishes meanwhile reach nobody (rather than a
 * consumer that is going away); after it, the consumer is gone. No servers: only the event bus.
 */
class RoomFeedsTest {

  private static final String ROOM = "room-feeds-test";
  private static final String ADDRESS = Addresses.room(ROOM);

  private Vertx vertx;
  private Context loop;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void consumerLingersAfterTheLastSocketThenGoes() throws Exception {
    RoomFeeds feeds = onLoop(() -> RoomFeeds.onThisLoop(vertx));
    RecordingSession first = onLoop(() -> new RecordingSession(feeds));
    onLoop(() -> feeds.join(ADDRESS, ROOM, first)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    publish("m1");
    waitFor(() -> first.got.equals(List.of("m1")), "the joined socket gets the room's message");

    onLoop(() -> {
      feeds.leave(ADDRESS, first);
      return null;
    });
    assertTrue(onLoop(() -> feeds.isListening(ADDRESS)), "the consumer stays after the last socket left");
    publish("m2");
    RecordingSession second = onLoop(() -> new RecordingSession(feeds));
    onLoop(() -> feeds.join(ADDRESS, ROOM, second)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    publish("m3");
    waitFor(() -> second.got.contains("m3"), "a socket that joins within the linger gets the room's messages");
    // The loop ran m2's delivery before the join: the consumer had nobody to hand it to.
    assertEquals(List.of("m3"), second.got, "what was published while nobody listened reaches nobody");
    assertEquals(List.of("m1"), first.got, "a socket that left gets nothing more");

    onLoop(() -> {
      feeds.leave(ADDRESS, second);
      return null;
    });
    long left = System.nanoTime();
    waitFor(() -> !onLoop(() -> feeds.isListening(ADDRESS)), "the consumer goes once the linger is over");
    long afterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
    assertTrue(afterMs >= RoomFeeds.LINGER_MS - 100, "not before the linger: gone after " + afterMs + " ms");
  }

  @Test
  void aSocketClosedBeforeItsRegistrationWasCheckedJoinsNothing() {
    RoomFeeds feeds = onLoop(() -> RoomFeeds.onThisLoop(vertx));
    RecordingSession gone = onLoop(() -> new RecordingSession(feeds));
    // The socket closes while the gateway reads its membership; the answer comes after.
    onLoop(() -> {
      gone.close();
      return null;
    });
    Future<Void> joined = onLoop(() -> gone.listenToRoom(ADDRESS));
    assertTrue(joined.failed(), "a closed socket is not handed the room");
    assertFalse(onLoop(() -> feeds.isListening(ADDRESS)), "no consumer is left for a socket nobody will close again");
  }

  private void publish(String messageId) {
    vertx.eventBus().publish(Addresses.roomFeed(ROOM), new JsonObject().put("type", "message").put("messageId", messageId));
  }

  /** Runs {@code action} on the test's event loop and returns what it returned. */
  private <T> T onLoop(Callable<T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.runOnContext(v -> {
      try {
        result.complete(action.call());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Waits until {@code condition} holds, up to the linger and some: {@link Eventually} asks again every 50 ms. */
  private void waitFor(BooleanSupplier condition, String what) {
    try {
      Eventually.get(vertx, Duration.ofMillis(RoomFeeds.LINGER_MS + 10_000), () -> Future.succeededFuture(condition.getAsBoolean()), ok -> ok);
    } catch (AssertionError e) {
      throw new AssertionError("timed out: " + what, e);
    }
  }
}
