package chatapp.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Who is calling: every API call and every socket carries a JWT whose {@code sub} is the user id.
 * Built once from the {@code auth} configuration slice and shared by the HTTP API and the bridges.
 *
 * <p>Three modes. With {@code jwksUrl} set, tokens of an identity provider are verified with the keys
 * it publishes there, followed as it rotates them ({@link JwksAuth}). With {@code publicKeyPem}
 * set, tokens of an external issuer are verified with that one key ({@code algorithm}, e.g.
 * RS256). In both this service signs nothing. Otherwise tokens are HS256,
 * signed with {@code hmacSecret}; an empty secret gets a random one per process (tokens then die
 * with the process), which is the embedded default's only use.
 */
public final class Auth {

  private static final Logger log = LoggerFactory.getLogger(Auth.class);

  private static String processSecret;

  private final JWTAuth provider;
  private final JsonObject config;
  private final boolean signs;

  private Auth(JWTAuth provider, JsonObject config, boolean signs) {
    this.provider = provider;
    this.config = config;
    this.signs = signs;
  }

  public static Auth create(Vertx vertx, JsonObject auth) {
    JWTOptions jwt = new JWTOptions().setIssuer(auth.getString("issuer")).setAudience(List.of(auth.getString("audience")));
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwt);
    String pem = auth.getString("publicKeyPem", "");
    String jwks = auth.getString("jwksUrl", "");
    if (!jwks.isBlank()) {
      if (!pem.isBlank()) {
        throw new IllegalArgumentException("auth: set jwksUrl or publicKeyPem, not both");
      }
      // One key set per node: every HTTP instance and bridge builds its own Auth, and each fetching
      // and rate-limiting on its own would call the provider that many times over.
      LocalMap<String, JwksAuth> keySets = vertx.sharedData().getLocalMap(JwksAuth.class.getName());
      JwksAuth keySet = keySets.computeIfAbsent(auth.encode(), k -> new JwksAuth(vertx, jwks, jwt,
        auth.getString("algorithm", "RS256"), Duration.ofSeconds(auth.getInteger("jwksMaxAgeSeconds", 600)),
        Duration.ofSeconds(auth.getInteger("jwksRetrySeconds", 10))));
      return new Auth(keySet, auth, false);
    }
    if (!pem.isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(auth.getString("algorithm", "RS256")).setBuffer(pem));
      return new Auth(JWTAuth.create(vertx, options), auth, false);
    }
    String secret = auth.getString("hmacSecret", "");
    if (secret.isBlank()) {
      secret = processSecret();
    }
    options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
    return new Auth(JWTAuth.create(vertx, options), auth, true);
  }

  /**
   * One random key per process, whoever asks first: the API that issues tokens and the bridges
   * that verify them each build their own Auth, and must agree.
   */
  private static synchronized String processSecret() {
    if (processSecret == null) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      processSecret = Base64.getEncoder().encodeToString(random);
      log.warn("auth.hmacSecret is empty: signing tokens with a random key for this process only");
    }
    return processSecret;
  }

  /** The provider that verifies tokens (signature, expiry, issuer, audience). */
  public JWTAuth provider() {
    return provider;
  }

  /** Whether the development token endpoint may be offered: only when enabled and this service signs. */
  public boolean devTokensEnabled() {
    return signs && config.getBoolean("devTokens", false);
  }

  /** A signed token for {@code userId}, valid for {@code tokenTtlSeconds}. Only where this service signs. */
  public String issue(String userId) {
    if (!signs) {
      throw new IllegalStateException("tokens come from the external issuer");
    }
    return provider.generateToken(new JsonObject().put("sub", userId),
      new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(config.getInteger("tokenTtlSeconds", 3600))
        .setIssuer(config.getString("issuer")).setAudience(List.of(config.getString("audience"))));
  }

  /** When the principal's token stops being valid, in epoch milliseconds; 0 when it never does. */
  public static long expiresAtMs(User user) {
    // The JWT provider keeps the token's exp among the user's attributes; get() looks there first.
    return user != null && user.get("exp") instanceof Number exp ? exp.longValue() * 1000 : 0;
  }

  /** The user id an authenticated principal speaks as: the token's subject, nothing a client sends. */
  public static String userId(User user) {
    return user == null ? null : user.principal().getString("sub");
  }
}
