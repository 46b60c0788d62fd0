package chatapp.devstack;

/**
 * The embedded dev stack could not start. The message always begins with the part that failed
 * ("Kafka: ...", "Cassandra: ...", "devstack: ...") so that it can be shown to a user as it is.
 */
public class DevStackException extends Exception {
  private static final long serialVersionUID = 1L;

  public DevStackException(String message) {
    super(message);
  }

  public DevStackException(String message, Throwable cause) {
    super(message, cause);
  }
}
