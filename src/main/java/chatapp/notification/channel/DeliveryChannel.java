package chatapp.notification.channel;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A way to reach a user who is not connected: an outbound webhook today; FCM, APNs or Web Push
 * implement the same two methods. A channel makes one attempt per call; retries, backoff,
 * collapsing and dead letters are the {@link ChannelDispatcher}'s.
 */
public interface DeliveryChannel {

  /** Short and stable: it names the channel in logs and in the dead-letter table. */
  String name();

  /**
   * One delivery attempt of a push ({@code UserNotification.toPush()}). Fails with
   * {@link PermanentDeliveryException} when retrying cannot help (the receiver refused it).
   */
  Future<Void> deliver(JsonObject push);
}
