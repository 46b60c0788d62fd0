package chatapp.bus;

/**
 * Every event-bus address, declared once. Addresses under {@link #BRIDGE_PREFIX} are the only ones
 * the socket bridge may ever expose; everything else is internal to the services.
 */
public final class Addresses {

  /** Prefix of every address a browser or bot may reach through a bridge. */
  public static final String BRIDGE_PREFIX = "chat.client.";

  /** Request-reply: a {@link ChatMessage} draft to validate and produce to Kafka; replies with id and time. */
  public static final String SEND = "chat.internal.send";
  /** Request-reply: a {@link ChatMessage} consumed from Kafka, to store; replies once it is stored. */
  public static final String STORE = "chat.internal.store";

  private Addresses() {
  }
}
