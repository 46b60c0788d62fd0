package chatapp.chat.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A refusal the API answers as {@code application/problem+json} (RFC 9457). Handlers fail their
 * future with one; {@link Problems} writes it. The detail is for the caller: it says what to fix.
 */
public final class Problem extends RuntimeException {

  private final int status;
  private final JsonArray errors;

  public Problem(int status, String detail) {
    this(status, detail, null);
  }

  /** {@code errors}: for invalid requests, one {field, message} per offending field. */
  public Problem(int status, String detail, JsonArray errors) {
    super(detail, null, false, false);
    this.status = status;
    this.errors = errors;
  }

  public static Problem badRequest(String field, String message) {
    return new Problem(400, message.startsWith(field + " ") ? message : field + ": " + message,
      new JsonArray().add(new JsonObject().put("field", field).put("message", message)));
  }

  public static Problem notFound(String detail) {
    return new Problem(404, detail);
  }

  public static Problem forbidden(String detail) {
    return new Problem(403, detail);
  }

  public static Problem conflict(String detail) {
    return new Problem(409, detail);
  }

  public static Problem unavailable(String detail) {
    return new Problem(503, detail);
  }

  public int status() {
    return status;
  }

  /** The RFC 9457 body; {@code instance} is the request path. */
  public JsonObject toJson(String instance) {
    JsonObject body = new JsonObject()
      .put("type", "about:blank")
      .put("title", title(status))
      .put("status", status)
      .put("detail", getMessage());
    if (instance != null) {
      body.put("instance", instance);
    }
    if (errors != null && !errors.isEmpty()) {
      body.put("errors", errors);
    }
    return body;
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Client Error";
    };
  }
}
