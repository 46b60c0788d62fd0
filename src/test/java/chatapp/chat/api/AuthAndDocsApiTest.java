package chatapp.chat.api;

import chatapp.Services;
import chatapp.chat.http.ChatHttpVerticle;
import chatapp.testing.TestConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may call, and what the service tells about itself: tokens (none, forged, expired, the
 * development endpoint on and off), the contract and its docs page, and the problem answers for
 * paths, methods and bodies nobody serves.
 */
class AuthAndDocsApiTest {

  private static Vertx vertx;
  private static JsonObject config;
  private static ApiClient api;
  private static WebClient web;
  private static int port;

  @BeforeAll
  static void deploy() {
    vertx = Vertx.vertx();
    config = TestConfig.create(Map.of("AUTH_HMAC_SECRET", ApiClient.SECRET, "AUTH_DEV_TOKENS", "true"));
    Services.deploy(vertx, config, Set.of(Services.CHAT)).await();
    api = new ApiClient(vertx, config);
    web = WebClient.create(vertx);
    port = config.getJsonObject("http").getInteger("port");
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  /** A token signed with {@code secret}, for the service's issuer and audience, with these claims. */
  private static String token(String secret, JsonObject claims) {
    JWTAuth other = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    JsonObject auth = config.getJsonObject("auth");
    return other.generateToken(claims, new JWTOptions().setAlgorithm("HS256")
      .setIssuer(auth.getString("issuer")).setAudience(List.of(auth.getString("audience"))));
  }

  @Test
  @DisplayName("a call without a token, with a forged one, an expired one or one meant for another service is 401 with a problem body")
  void refusedTokens() {
    JsonObject none = ApiClient.problem(api.withToken(HttpMethod.GET, "/api/rooms", null), 401);
    assertTrue(none.getString("detail").contains("bearer token is required"), none.encode());

    String forged = token("some-other-secret-0123456789abcdef012345", new JsonObject().put("sub", "alice"));
    JsonObject bad = ApiClient.problem(api.withToken(HttpMethod.GET, "/api/rooms", forged), 401);
    assertTrue(bad.getString("detail").contains("refused"), bad.encode());

    long now = System.currentTimeMillis() / 1000;
    String expired = token(ApiClient.SECRET, new JsonObject().put("sub", "alice").put("iat", now - 7200).put("exp", now - 3600));
    JsonObject late = ApiClient.problem(api.withToken(HttpMethod.GET, "/api/rooms", expired), 401);
    assertTrue(late.getString("detail").toLowerCase().contains("expired"), late.encode());

    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(ApiClient.SECRET)));
    String elsewhere = signer.generateToken(new JsonObject().put("sub", "alice"), new JWTOptions().setAlgorithm("HS256")
      .setIssuer(config.getJsonObject("auth").getString("issuer")).setAudience(List.of("another-service")).setExpiresInSeconds(3600));
    ApiClient.problem(api.withToken(HttpMethod.GET, "/api/rooms", elsewhere), 401);

    String fine = token(ApiClient.SECRET, new JsonObject().put("sub", "alice").put("exp", now + 3600));
    assertEquals(200, api.withToken(HttpMethod.GET, "/api/rooms", fine).statusCode(), "the same token, unexpired, is accepted");
    assertEquals(401, api.withToken(HttpMethod.GET, "/api/rooms", "not.a.jwt").statusCode());
  }

  @Test
  @DisplayName("where enabled, the development endpoint hands out a token that the API accepts as that user")
  void devTokens() {
    HttpResponse<Buffer> issued = api.post("/api/dev/tokens", null, new JsonObject().put("userId", "dev-user"));
    assertEquals(201, issued.statusCode(), issued.bodyAsString());
    String token = issued.bodyAsJsonObject().getString("token");
    assertEquals("Bearer", issued.bodyAsJsonObject().getString("tokenType"));
    HttpResponse<Buffer> created = web.post(port, "127.0.0.1", "/api/rooms").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("name", "dev")).await();
    assertEquals(201, created.statusCode(), created.bodyAsString());
    assertEquals("dev-user", created.bodyAsJsonObject().getString("createdBy"));

    JsonObject bad = ApiClient.problem(api.post("/api/dev/tokens", null, new JsonObject().put("userId", "no spaces")), 400);
    assertEquals("userId", bad.getJsonArray("errors").getJsonObject(0).getString("field"), bad.encode());
  }

  @Test
  @DisplayName("with development tokens off, the endpoint is 404; and a send the message log cannot take is 503")
  void devTokensOffAndLogUnavailable() {
    // A second chat HTTP server in a Vert.x of its own: no producer listens on its bus.
    Vertx lonely = Vertx.vertx();
    try {
      JsonObject off = TestConfig.create(Map.of("AUTH_HMAC_SECRET", ApiClient.SECRET, "AUTH_DEV_TOKENS", "false"));
      lonely.deployVerticle(new ChatHttpVerticle(), new DeploymentOptions().setConfig(off)).await();
      ApiClient offApi = new ApiClient(vertx, off);
      JsonObject gone = ApiClient.problem(offApi.post("/api/dev/tokens", null, new JsonObject().put("userId", "x")), 404);
      assertTrue(gone.getString("detail").contains("off"), gone.encode());

      String roomId = offApi.createRoom("alice", "no log");
      JsonObject unavailable = ApiClient.problem(offApi.post("/api/rooms/" + roomId + "/messages", "alice",
        new JsonObject().put("body", "lost?")), 503);
      assertTrue(unavailable.getString("detail").contains("retry"), unavailable.encode());
    } finally {
      lonely.close().await();
    }
  }

  @Test
  @DisplayName("the contract is served as YAML and JSON, and the Swagger UI page and its assets come from the service itself")
  void contractAndDocs() {
    HttpResponse<Buffer> yaml = web.get(port, "127.0.0.1", "/openapi.yaml").send().await();
    assertEquals(200, yaml.statusCode());
    assertTrue(yaml.bodyAsString().startsWith("openapi: 3.1.0"));
    JsonObject json = web.get(port, "127.0.0.1", "/openapi.json").send().await().bodyAsJsonObject();
    assertTrue(json.getJsonObject("paths").containsKey("/api/rooms/{roomId}/messages"));

    HttpResponse<Buffer> page = web.get(port, "127.0.0.1", "/docs").send().await();
    assertEquals(200, page.statusCode());
    assertFalse(page.bodyAsString().contains("//"), "no asset from another host");
    for (String asset : List.of("/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js")) {
      assertTrue(page.bodyAsString().contains(asset), asset);
      HttpResponse<Buffer> served = web.get(port, "127.0.0.1", asset).send().await();
      assertEquals(200, served.statusCode(), asset);
      assertTrue(served.body().length() > 10_000, asset);
    }
    String init = web.get(port, "127.0.0.1", "/docs/chat-initializer.js").send().await().bodyAsString();
    assertTrue(init.contains("\"/openapi.yaml\""), init);
    assertEquals(200, web.get(port, "127.0.0.1", "/health/live").send().await().statusCode(), "health needs no token");
  }

  @Test
  @DisplayName("an unknown API path is 404, a wrong method 405, and a body that is not JSON 400, each as a problem")
  void unservedRequests() {
    ApiClient.problem(api.get("/api/nothing-here", "alice"), 404);
    ApiClient.problem(api.call(HttpMethod.PATCH, "/api/rooms", "alice", null), 405);
    HttpResponse<Buffer> garbage = web.post(port, "127.0.0.1", "/api/rooms").bearerTokenAuthentication(api.token("alice"))
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{not json")).await();
    JsonObject problem = ApiClient.problem(garbage, 400);
    assertTrue(problem.getString("detail").contains("body"), problem.encode());
  }
}
