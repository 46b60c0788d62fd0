package chatapp.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies the tokens of an identity provider that publishes its keys as a JWK Set (RFC 7517: what
 * Keycloak, Auth0, Okta, Dex or Google serve at their {@code jwks_uri}), and follows its key
 * rotation without a restart. A provider signs with a new key only after it published it, so a
 * token whose {@code kid} is not among the keys held means they are out of date: the set is fetched
 * again, at most once per {@code minInterval} (a client sending made-up kids must not make this
 * node hammer the provider), and also when the keys are older than {@code maxAge}. A failed fetch
 * keeps the keys held; with none held yet, tokens are refused until a fetch succeeds. Shared by
 * every verticle of a node (a node-wide local map), so it is safe from any event loop.
 */
final class JwksAuth implements JWTAuth, Shareable {

  private static final Logger log = LoggerFactory.getLogger(JwksAuth.class);

  /** The keys of one successful fetch, and when it was. */
  private record Keys(JWTAuth verifier, Set<String> kids, long fetchedAt) {
  }

  private final Vertx vertx;
  private final WebClient client;
  private final String url;
  private final JWTOptions claims;
  private final String defaultAlgorithm;
  private final long maxAgeNanos;
  private final long minIntervalNanos;

  private volatile Keys keys;
  /** The fetch under way, shared by every token that waits for it; null when none is. */
  private Future<Keys> fetching;
  private long lastAttempt = Long.MIN_VALUE;

  JwksAuth(Vertx vertx, String url, JWTOptions claims, String defaultAlgorithm, Duration maxAge, Duration minInterval) {
    this.vertx = vertx;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5_000).setIdleTimeout(30));
    this.url = url;
    this.claims = claims;
    this.defaultAlgorithm = defaultAlgorithm;
    this.maxAgeNanos = maxAge.toNanos();
    this.minIntervalNanos = minInterval.toNanos();
    // Fetched now, so that a wrong URL shows in the log at start rather than at the first login.
    refresh();
  }

  @Override
  public Future<User> authenticate(Credentials credentials) {
    if (!(credentials instanceof TokenCredentials token)) {
      return Future.failedFuture("a bearer token is required");
    }
    Keys held = keys;
    String kid = kid(token.getToken());
    long now = System.nanoTime();
    if (held == null || (kid != null && !held.kids().contains(kid))) {
      // The token may be signed with a key published since: wait for the set, if one may be fetched.
      return refresh().transform(ar -> {
        Keys latest = keys;
        return latest == null ? Future.failedFuture("the identity provider's keys are not available")
          : latest.verifier().authenticate(credentials);
      });
    }
    if (now - held.fetchedAt() > maxAgeNanos) {
      refresh(); // in the background: the keys held still verify this token
    }
    return held.verifier().authenticate(credentials);
  }

  /** Fetches the key set unless a fetch is under way (then shares it) or one was tried too recently. */
  private synchronized Future<Keys> refresh() {
    if (fetching != null) {
      return fetching;
    }
    long now = System.nanoTime();
    if (lastAttempt != Long.MIN_VALUE && now - lastAttempt < minIntervalNanos) {
      return Future.succeededFuture(keys);
    }
    lastAttempt = now;
    Future<Keys> f = client.getAbs(url).timeout(10_000).send()
      .compose(response -> {
        if (response.statusCode() != 200) {
          return Future.failedFuture("HTTP " + response.statusCode());
        }
        return Future.succeededFuture(parse(response.bodyAsJsonObject(), now));
      })
      .onSuccess(k -> {
        keys = k;
        log.info("identity provider keys from {}: {}", url, k.kids());
      })
      .onFailure(e -> log.error("could not fetch the identity provider's keys from {} ({}); {}", url, e.getMessage(),
        keys == null ? "tokens are refused until it answers" : "the keys held stay in use"));
    fetching = f;
    f.onComplete(ar -> {
      synchronized (this) {
        fetching = null;
      }
    });
    return f;
  }

  /** The set's signing keys; one the JWT library cannot use (an encryption key, an unknown type) is skipped. */
  private Keys parse(JsonObject set, long fetchedAt) {
    JsonArray all = set == null ? null : set.getJsonArray("keys");
    if (all == null) {
      throw new IllegalArgumentException("not a JWK Set: no \"keys\" array");
    }
    List<JsonObject> usable = new ArrayList<>();
    Set<String> kids = new HashSet<>();
    for (Object o : all) {
      if (!(o instanceof JsonObject jwk) || "enc".equals(jwk.getString("use"))) {
        continue;
      }
      JsonObject key = jwk.copy();
      if (!key.containsKey("alg")) {
        key.put("alg", defaultAlgorithm); // optional in RFC 7517, required by the JWT library
      }
      try {
        JWTAuth.create(vertx, new JWTAuthOptions().addJwk(key)); // throws on a key it cannot use
      } catch (RuntimeException e) {
        log.warn("skipping key {} of {}: {}", key.getString("kid"), url, e.getMessage());
        continue;
      }
      usable.add(key);
      kids.add(key.getString("kid"));
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("no usable signing key in the set");
    }
    return new Keys(JWTAuth.create(vertx, new JWTAuthOptions().setJWTOptions(claims).setJwks(usable)), kids, fetchedAt);
  }

  /** The {@code kid} of a token's header, or null (no such field, or not a JWT at all: the verifier says so). */
  private static String kid(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    try {
      byte[] header = Base64.getUrlDecoder().decode(token.substring(0, dot));
      return new JsonObject(new String(header, StandardCharsets.UTF_8)).getString("kid");
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public String generateToken(JsonObject claims, JWTOptions options) {
    throw new IllegalStateException("tokens come from the identity provider");
  }

  @Override
  public String generateToken(JsonObject claims) {
    throw new IllegalStateException("tokens come from the identity provider");
  }
}
