package chatapp.notification;

import chatapp.proto.notification.Notification;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Notifications coalesce per user and room, retries count once, and read / unread is kept. */
class CoalescingTest {

  private static Vertx vertx;
  private static NotificationClient client;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    client = NotificationClient.deployService(vertx);
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** Sends messages 1..n of a room to the user, one call each, in order; answers their ids. */
  private static List<String> sendMessages(String room, String user, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String id = NotificationClient.newMessageId();
      ids.add(id);
      client.notify(room, id, "bob", "message " + i, user).await();
    }
    return ids;
  }

  private static Notification only(List<Notification> list) {
    assertEquals(1, list.size(), list.toString());
    return list.get(0);
  }

  @Test
  @DisplayName("twenty messages in a room while the user is away make one notification that says 20 and shows the latest preview")
  void twentyMessagesMakeOneNotification() {
    String user = unique("u");
    String room = unique("room");
    List<String> ids = sendMessages(room, user, 20);
    Notification n = only(client.list(user, false).await());
    assertEquals(room, n.getRoomId());
    assertEquals(20, n.getCount());
    assertEquals("message 20", n.getLatestPreview());
    assertEquals(ids.get(19), n.getLatestMessageId());
    assertEquals("bob", n.getLatestSender());
    assertTrue(n.getUnread());
    assertTrue(n.getUpdatedAt() > 0);
  }

  @Test
  @DisplayName("the same messages sent again, in any order, change neither the count nor the latest preview")
  void retriesAreHarmless() {
    String user = unique("u");
    String room = unique("room");
    List<String> ids = sendMessages(room, user, 5);
    List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4));
    Collections.reverse(order);
    List<Future<?>> retries = new ArrayList<>();
    for (int i : order) {
      retries.add(client.notify(room, ids.get(i), "bob", "message " + (i + 1), user));
    }
    Future.all(retries).await();
    Notification n = only(client.list(user, false).await());
    assertEquals(5, n.getCount());
    assertEquals("message 5", n.getLatestPreview());
    assertEquals(ids.get(4), n.getLatestMessageId());
  }

  @Test
  @DisplayName("of a burst of messages whose ids share a microsecond, sent in any order, the newest one's preview wins")
  void burstKeepsTheNewest() {
    String user = unique("u");
    String room = unique("room");
    // Made back to back, these time-based ids fall within a few microseconds of each other.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(NotificationClient.newMessageId());
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new java.util.Random(42));
    List<Future<?>> calls = new ArrayList<>();
    for (int i : order) {
      calls.add(client.notify(room, ids.get(i), "sender " + i, "message " + i, user));
    }
    Future.all(calls).await();
    Notification n = only(client.list(user, false).await());
    assertEquals(20, n.getCount());
    assertEquals("message 19", n.getLatestPreview());
    assertEquals("sender 19", n.getLatestSender());
    assertEquals(ids.get(19), n.getLatestMessageId());
  }

  @Test
  @DisplayName("each room makes its own notification, listed most recent first")
  void oneNotificationPerRoom() {
    String user = unique("u");
    String older = unique("older");
    String newer = unique("newer");
    sendMessages(older, user, 2);
    sendMessages(newer, user, 3);
    List<Notification> list = client.list(user, false).await();
    assertEquals(List.of(newer, older), list.stream().map(Notification::getRoomId).toList());
    assertEquals(List.of(3, 2), list.stream().map(Notification::getCount).toList());
  }

  @Test
  @DisplayName("marking read keeps the notification as read; a late retry stays read; a new message makes it unread again")
  void markRead() {
    String user = unique("u");
    String room = unique("room");
    String other = unique("other");
    List<String> ids = sendMessages(room, user, 4);
    sendMessages(other, user, 1);

    assertEquals(1, client.markRead(user, room).await());
    List<Notification> all = client.list(user, false).await();
    Notification read = all.stream().filter(n -> n.getRoomId().equals(room)).findFirst().orElseThrow();
    assertFalse(read.getUnread());
    assertEquals(4, read.getCount());
    assertTrue(read.getReadAt() > 0);
    // Only the room named was marked.
    assertEquals(other, only(client.list(user, true).await()).getRoomId());

    // A retry of a message read already (at least once delivery) does not make it unread.
    client.notify(room, ids.get(1), "bob", "message 2", user).await();
    assertFalse(client.list(user, false).await().stream().filter(n -> n.getRoomId().equals(room)).findFirst()
      .orElseThrow().getUnread());

    client.notify(room, NotificationClient.newMessageId(), "carol", "message 5", user).await();
    Notification again = client.list(user, true).await().stream().filter(n -> n.getRoomId().equals(room)).findFirst().orElseThrow();
    assertEquals(1, again.getCount());
    assertEquals("message 5", again.getLatestPreview());
    assertEquals("carol", again.getLatestSender());

    assertEquals(2, client.markRead(user).await());
    assertTrue(client.list(user, true).await().isEmpty());
    assertEquals(0, client.markRead(user).await());
  }
}
