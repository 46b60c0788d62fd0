package chatapp.auth;

import chatapp.Services;
import chatapp.bus.Addresses;
import chatapp.chat.gateway.TcpBridgeClient;
import chatapp.metrics.Metrics;
import chatapp.testing.Eventually;
import chatapp.testing.TestConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens of an identity provider that publishes its keys as a JWK Set: a real HTTP server plays the
 * provider's {@code jwks_uri}, and real RSA keys sign the tokens.
 */
class JwksAuthTest {

  private static Vertx vertx;
  private static HttpServer provider;
  private static final List<Signer> published = new ArrayList<>();
  private static final AtomicInteger fetches = new AtomicInteger();
  private static volatile boolean up = true;
  /** While set, the provider answers only once it completes: a slow identity provider. */
  private static volatile Future<Void> slow;
  private static final Signer k1 = new Signer("k1");
  private static final Signer k2 = new Signer("k2");
  private static final Signer unpublished = new Signer("k9");

  /** One of the provider's keys: its private half signs, its public half goes in the set. */
  private record Signer(String kid, KeyPair pair) {
    Signer(String kid) {
      this(kid, generate());
    }

    static KeyPair generate() {
      try {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    JsonObject jwk() {
      RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
      return new JsonObject().put("kty", "RSA").put("use", "sig").put("kid", kid)
        .put("n", b64(pub.getModulus())).put("e", b64(pub.getPublicExponent())); // no "alg": it is optional
    }

    String sign(String user, String audience) {
      String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
      JWTAuth issuer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(pem)));
      return issuer.generateToken(new JsonObject().put("sub", user), new JWTOptions().setAlgorithm("RS256")
        .setHeader(new JsonObject().put("kid", kid)).setIssuer("https://idp.example").setAudience(List.of(audience))
        .setExpiresInSeconds(300));
    }

    private static String b64(BigInteger v) {
      byte[] bytes = v.toByteArray();
      int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0; // unsigned, as RFC 7518 wants
      return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOfRange(bytes, skip, bytes.length));
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    provider = vertx.createHttpServer().requestHandler(req -> {
      fetches.incrementAndGet();
      Future<Void> wait = slow;
      if (wait != null) {
        req.pause();
        wait.onComplete(v -> answer(req));
        return;
      }
      answer(req);
    }).listen(0, "127.0.0.1").await();
  }

  private static void answer(io.vertx.core.http.HttpServerRequest req) {
    if (!up) {
      req.response().setStatusCode(503).end();
      return;
    }
    JsonArray keys = new JsonArray().add(new JsonObject().put("kty", "RSA").put("use", "enc").put("kid", "encryption")
      .put("n", "AQAB").put("e", "AQAB")); // an encryption key, as providers list too: never a signer
    synchronized (published) {
      published.forEach(s -> keys.add(s.jwk()));
    }
    req.response().putHeader("content-type", "application/json").end(new JsonObject().put("keys", keys).encode());
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    synchronized (published) {
      published.clear();
      published.add(k1);
    }
    up = true;
    slow = null;
    fetches.set(0);
  }

  private static String jwksUrl() {
    return "http://127.0.0.1:" + provider.actualPort() + "/realms/chat/protocol/openid-connect/certs";
  }

  private static Auth auth(int retrySeconds) {
    return Auth.create(vertx, new JsonObject().put("issuer", "https://idp.example").put("audience", "chat")
      .put("jwksUrl", jwksUrl())
      .put("jwksRetrySeconds", retrySeconds).put("jwksMaxAgeSeconds", 600));
  }

  private static String user(Auth auth, String token) {
    return Auth.userId(auth.provider().authenticate(new TokenCredentials(token)).await());
  }

  private static void refused(Auth auth, String token) {
    assertThrows(Exception.class, () -> auth.provider().authenticate(new TokenCredentials(token)).await());
  }

  @Test
  @DisplayName("a token signed with a published key is accepted as its subject; claims and signature still count")
  void publishedKey() {
    Auth auth = auth(10);
    assertEquals("alice", user(auth, k1.sign("alice", "chat")));
    refused(auth, k1.sign("alice", "another-service"));          // right key, wrong audience
    refused(auth, unpublished.sign("mallory", "chat"));          // a key the provider never published
    String forged = k1.sign("alice", "chat");                     // alice's token with bob as subject
    String[] parts = forged.split("\\.");
    String bob = Base64.getUrlEncoder().withoutPadding().encodeToString(
      new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]))).put("sub", "bob").encode().getBytes());
    refused(auth, parts[0] + "." + bob + "." + parts[2]);
    assertThrows(IllegalStateException.class, () -> auth.issue("alice")); // this service signs nothing
  }

  @Test
  @DisplayName("a key the provider rotates in is used without a restart, and made-up key ids do not flood the provider")
  void rotation() {
    Auth patient = auth(30);
    assertEquals("alice", user(patient, k1.sign("alice", "chat")));
    int before = fetches.get();
    for (int i = 0; i < 20; i++) {
      refused(patient, unpublished.sign("mallory", "chat"));
    }
    assertTrue(fetches.get() - before <= 1, "20 unknown key ids caused " + (fetches.get() - before) + " fetches");

    Auth auth = auth(1);
    assertEquals("alice", user(auth, k1.sign("alice", "chat")));
    synchronized (published) {
      published.add(k2);
    }
    // At most one fetch per second (jwksRetrySeconds): the first tries may fall in the last one's second.
    String bob = k2.sign("bob", "chat");
    assertEquals("bob", Auth.userId(Eventually.find(vertx, Duration.ofSeconds(5),
      () -> auth.provider().authenticate(new TokenCredentials(bob)))));
    assertEquals("alice", user(auth, k1.sign("alice", "chat"))); // the old key still works while listed
  }

  @Test
  @DisplayName("with the provider down at start, tokens are refused, then accepted once it answers")
  void providerDownAtStart() {
    up = false;
    Auth auth = auth(0);
    refused(auth, k1.sign("alice", "chat"));
    up = true;
    assertEquals("alice", user(auth, k1.sign("alice", "chat")));
  }

  @Test
  @DisplayName("a chat node configured with the provider's key set serves its users, and answers other tokens 401 with a problem body")
  void chatNodeWithKeySet() {
    Vertx node = Vertx.vertx();
    try {
      JsonObject config = TestConfig.create(Map.of("AUTH_JWKS_URL", jwksUrl(),
        "AUTH_ISSUER", "https://idp.example", "AUTH_AUDIENCE", "chat", "AUTH_DEV_TOKENS", "true"));
      Services.deploy(node, config, Set.of(Services.CHAT)).await();
      WebClient web = WebClient.create(node);
      int port = config.getJsonObject("http").getInteger("port");
      HttpResponse<Buffer> created = web.post(port, "127.0.0.1", "/api/rooms")
        .bearerTokenAuthentication(k1.sign("alice", "chat")).sendJsonObject(new JsonObject().put("name", "idp")).await();
      assertEquals(201, created.statusCode(), created.bodyAsString());
      assertEquals(1, fetches.get(), "the node's API and bridges share one fetch of the key set");
      HttpResponse<Buffer> refused = web.get(port, "127.0.0.1", "/api/rooms")
        .bearerTokenAuthentication(unpublished.sign("alice", "chat")).send().await();
      assertEquals(401, refused.statusCode(), refused.bodyAsString());
      assertEquals(401, refused.bodyAsJsonObject().getInteger("status"));
      HttpResponse<Buffer> devTokens = web.post(port, "127.0.0.1", "/api/dev/tokens")
        .sendJsonObject(new JsonObject().put("userId", "alice")).await();
      assertEquals(404, devTokens.statusCode(), "a node that signs nothing offers no development tokens");
    } finally {
      node.close().await();
    }
  }

  @Test
  @DisplayName("a TCP socket that closes while the provider is slow to confirm its token leaves no session behind")
  void tcpSocketClosedDuringLogin() {
    Vertx node = Vertx.vertx(Metrics.enable(new VertxOptions()));
    try {
      JsonObject config = TestConfig.create(Map.of("AUTH_JWKS_URL", jwksUrl(),
        "AUTH_ISSUER", "https://idp.example", "AUTH_AUDIENCE", "chat", "AUTH_JWKS_RETRY_SECONDS", "0"));
      Services.deploy(node, config, Set.of(Services.CHAT)).await();
      int tcpPort = config.getJsonObject("tcpBridge").getInteger("port");
      int httpPort = config.getJsonObject("http").getInteger("port");
      synchronized (published) {
        published.add(k2); // rotated in: the node holds only k1, so a k2 token waits for a fetch
      }
      WebClient web = WebClient.create(vertx);
      double open = tcpSocketsOpen(web, httpPort);
      Promise<Void> provider = Promise.promise();
      slow = provider.future();
      int fetched = fetches.get();
      TcpBridgeClient carol = TcpBridgeClient.connect(vertx, tcpPort).await();
      // Her bot, tired of waiting, logs in again before it gives up.
      for (String replyAddress : List.of("login", "login again")) {
        carol.write(new JsonObject().put("type", "send").put("address", Addresses.CLIENT_LOGIN)
          .put("body", new JsonObject().put("token", k2.sign("carol", "chat"))).put("replyAddress", replyAddress));
      }
      Eventually.get(vertx, Duration.ofSeconds(10), () -> Future.succeededFuture(fetches.get()), n -> n > fetched);
      carol.close(); // gone before her token is confirmed
      try (TcpBridgeClient dave = TcpBridgeClient.connect(vertx, tcpPort).await()) {
        // Dave's login round-trips through the bridge after Carol's close reached it.
        assertEquals("dave", dave.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", k1.sign("dave", "chat")))
          .getJsonObject("body").getString("userId"));
        provider.complete();
        slow = null;
        // Erin's k2 token is confirmed with the keys Carol's login waited for, after hers.
        try (TcpBridgeClient erin = TcpBridgeClient.connect(vertx, tcpPort).await()) {
          assertEquals("erin", erin.request(Addresses.CLIENT_LOGIN, new JsonObject().put("token", k2.sign("erin", "chat")))
            .getJsonObject("body").getString("userId"));
          assertEquals(open + 2, tcpSocketsOpen(web, httpPort), "Dave's and Erin's sockets are open, Carol's is not");
        }
      }
    } finally {
      slow = null;
      node.close().await();
    }
  }

  /** The node's count of authenticated TCP bridge sockets, from its /metrics. */
  private static double tcpSocketsOpen(WebClient web, int httpPort) {
    String metrics = web.get(httpPort, "127.0.0.1", "/metrics").send().await().bodyAsString();
    return metrics.lines().filter(l -> l.startsWith("chat_gateway_sockets_open{bridge=\"tcp\"}"))
      .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("a configuration naming both a key set and a single key is refused")
  void oneSourceOfKeys() {
    assertThrows(IllegalArgumentException.class, () -> Auth.create(vertx, new JsonObject().put("issuer", "i")
      .put("audience", "a").put("jwksUrl", "http://127.0.0.1:1/").put("publicKeyPem", "-----BEGIN PUBLIC KEY-----")));
  }
}
