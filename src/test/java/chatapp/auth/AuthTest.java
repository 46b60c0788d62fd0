package chatapp.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.authentication.TokenCredentials;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AuthTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("with no configured secret, a token issued by one part of the process is accepted by every other part")
  void oneRandomKeyPerProcess() {
    JsonObject config = new JsonObject().put("issuer", "chat").put("audience", "chat").put("hmacSecret", "")
      .put("devTokens", true).put("tokenTtlSeconds", 60);
    String token = Auth.create(vertx, config).issue("alice"); // as the API's dev endpoint does
    Auth bridge = Auth.create(vertx, config);                   // as the socket gateway does
    assertEquals("alice", Auth.userId(bridge.provider().authenticate(new TokenCredentials(token)).await()));
  }
}
