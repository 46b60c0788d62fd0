package chatapp.notification.channel;

/** A delivery the receiver refused for good (a 4xx answer, say): it goes to the dead letters at once. */
public class PermanentDeliveryException extends RuntimeException {

  public PermanentDeliveryException(String message) {
    super(message, null, false, false);
  }
}
