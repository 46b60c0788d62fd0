package chatapp.chat.api;

import chatapp.auth.Auth;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A blocking HTTP client of the chat API for tests: one call, one answer, with a user's token. */
final class ApiClient {

  /** The signing key every API test configures (AUTH_HMAC_SECRET), so tests can sign tokens too. */
  static final String SECRET = "api-test-secret-0123456789abcdef0123456789";

  private final WebClient web;
  private final int port;
  private final Auth auth;

  ApiClient(Vertx vertx, JsonObject config) {
    this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(config.getJsonObject("http").getInteger("port")));
    this.port = config.getJsonObject("http").getInteger("port");
    this.auth = Auth.create(vertx, config.getJsonObject("auth"));
  }

  String token(String userId) {
    return auth.issue(userId);
  }

  HttpResponse<Buffer> call(HttpMethod method, String path, String userId, JsonObject body) {
    HttpRequest<Buffer> request = web.request(method, port, "127.0.0.1", path);
    if (userId != null) {
      request.bearerTokenAuthentication(token(userId));
    }
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  HttpResponse<Buffer> withToken(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> request = web.request(method, port, "127.0.0.1", path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.send().await();
  }

  HttpResponse<Buffer> get(String path, String userId) {
    return call(HttpMethod.GET, path, userId, null);
  }

  HttpResponse<Buffer> post(String path, String userId, JsonObject body) {
    return call(HttpMethod.POST, path, userId, body);
  }

  HttpResponse<Buffer> put(String path, String userId) {
    return call(HttpMethod.PUT, path, userId, null);
  }

  HttpResponse<Buffer> delete(String path, String userId) {
    return call(HttpMethod.DELETE, path, userId, null);
  }

  /** Creates a room as {@code userId} and returns its id. */
  String createRoom(String userId, String name) {
    HttpResponse<Buffer> created = post("/api/rooms", userId, new JsonObject().put("name", name));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    return created.bodyAsJsonObject().getString("roomId");
  }

  /** Asserts an RFC 9457 answer with {@code status} and returns its body. */
  /** The field a 400 problem names first. */
  static String field(JsonObject problem) {
    JsonArray errors = problem.getJsonArray("errors");
    assertFalse(errors == null || errors.isEmpty(), problem.encode());
    return errors.getJsonObject(0).getString("field");
  }

  static JsonObject problem(HttpResponse<Buffer> response, int status) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    assertEquals(Problems.CONTENT_TYPE, response.getHeader("Content-Type"), response.bodyAsString());
    JsonObject body = response.bodyAsJsonObject();
    assertEquals(status, body.getInteger("status"));
    assertEquals(Problem.title(status), body.getString("title"));
    return body;
  }
}
