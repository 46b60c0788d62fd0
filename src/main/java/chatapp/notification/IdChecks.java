package chatapp.notification;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * What the notification service takes as a user, room or message id. Checked before anything is
 * written: an id the store cannot key (CQL keys end at 64 KiB) would fail half-way through a call's
 * writes and be answered as "unavailable, retry", and a control character could name the store's
 * internal key for direct notifications (NUL-prefixed).
 */
final class IdChecks {

  /** At most this many UTF-8 bytes; the chat service's ids are far shorter (64 characters). */
  static final int MAX_ID_BYTES = 1024;

  private IdChecks() {
  }

  /** Why {@code value} is no acceptable {@code field}, or null when it is one (blank is the caller's call). */
  static String idProblem(String field, String value) {
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
      return field + " is over " + MAX_ID_BYTES + " bytes";
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return field + " must not contain control characters";
      }
    }
    return null;
  }

  /**
   * Why {@code messageId} is no message id, or null: empty (the seed sends none) or a time-based
   * UUID, whose time orders a room's notifications and decides whether a late retry is newer.
   */
  static String messageIdProblem(String messageId) {
    if (messageId.isEmpty()) {
      return null;
    }
    try {
      if (UUID.fromString(messageId).version() == 1) {
        return null;
      }
    } catch (IllegalArgumentException notAUuid) {
      // the answer below
    }
    return "messageId must be a time-based UUID (version 1), as the chat service's are";
  }

  /** The first problem among a call's ids, or null. */
  static String firstProblem(Iterable<String> userIds, String roomId, String messageId, String senderId) {
    for (String userId : userIds) {
      String problem = idProblem("userIds", userId);
      if (problem != null) {
        return problem;
      }
    }
    String problem = idProblem("roomId", roomId);
    if (problem == null) {
      problem = idProblem("senderId", senderId);
    }
    return problem != null ? problem : messageIdProblem(messageId);
  }
}
