package chatapp.chat.gateway;

import chatapp.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What a client may do through either bridge, in one place. The static permissions are the
 * coarse fence (only {@link Addresses#CLIENT_SEND} in; only room and user addresses out); the
 * bridge hooks then decide per socket: a room only for its members, a user address only for that
 * user, and the sender always from the token.
 */
final class BridgeRules {

  /**
   * Header the hooks put on every inbound frame, replacing whatever the client sent: the socket's
   * authenticated user. Consumers of bridge addresses trust this header and nothing in the body.
   */
  static final String USER_HEADER = "x-chat-user";
  /** Header a register frame may carry to resume a room after the last message its client saw. */
  static final String LAST_MESSAGE_ID = "lastMessageId";

  private static final String ROOM_PREFIX = Addresses.room("");
  private static final String USER_PREFIX = Addresses.user("");
  private static final String OUTBOUND = Pattern.quote(ROOM_PREFIX) + ".+|" + Pattern.quote(USER_PREFIX) + ".+";

  private BridgeRules() {
  }

  static SockJSBridgeOptions sockJs(JsonObject gateway) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
      .setPingTimeout(gateway.getLong("pingTimeoutMs", 10_000L))
      .setReplyTimeout(gateway.getLong("replyTimeoutMs", 30_000L))
      .setMaxHandlersPerSocket(gateway.getInteger("maxHandlersPerSocket", 1000));
    options.addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_SEND));
    options.addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND));
    return options;
  }

  static BridgeOptions tcp() {
    return new BridgeOptions()
      .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_SEND))
      .addInboundPermitted(new PermittedOptions().setAddress(Addresses.CLIENT_LOGIN))
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND));
  }

  /** The room an address belongs to, or null when it is no room address. */
  static String roomOf(String address) {
    return address != null && address.startsWith(ROOM_PREFIX) && address.length() > ROOM_PREFIX.length()
      ? address.substring(ROOM_PREFIX.length()) : null;
  }

  /** True when {@code address} is the personal address of {@code userId}. */
  static boolean isOwnUserAddress(String address, String userId) {
    return address != null && address.equals(Addresses.user(userId));
  }

  /**
   * A refusal: {"type":"err", "address"?, "failureCode", "failureType", "body": reason, "message"},
   * the shape of the bridges' own reply failures, so clients read both alike.
   */
  static JsonObject errorFrame(String address, int code, String reason, String message) {
    JsonObject frame = new JsonObject().put("type", "err");
    if (address != null) {
      frame.put("address", address);
    }
    return frame.put("failureCode", code).put("failureType", "RECIPIENT_FAILURE").put("body", reason).put("message", message);
  }

  /** The frame headers with the trusted user, whatever the client put there. */
  static JsonObject trustedHeaders(String userId) {
    JsonObject headers = new JsonObject();
    if (userId != null) {
      headers.put(USER_HEADER, userId);
    }
    return headers;
  }

  /**
   * The time-based message id a register frame resumes after; null when it asks no recovery.
   *
   * @throws IllegalArgumentException when the header is there but is no time-based UUID
   */
  static UUID lastMessageId(JsonObject registerFrame) {
    Object raw = registerFrame == null ? null : registerFrame.getValue("headers");
    JsonObject headers = raw instanceof JsonObject h ? h : null;
    Object value = headers == null ? null : headers.getValue(LAST_MESSAGE_ID);
    if (value == null || "".equals(value)) {
      return null;
    }
    try {
      UUID id = UUID.fromString(String.valueOf(value));
      if (id.version() == 1) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // answered below, with the same words either way
    }
    throw new IllegalArgumentException(LAST_MESSAGE_ID + " must be the messageId of a message");
  }
}
