package chatapp.chat.api;

import chatapp.auth.Auth;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/dev/tokens}: a signed token for any user name, for a developer's machine. It
 * exists only where this service signs its own tokens and {@code auth.devTokens} is on (the
 * embedded default); everywhere else it is a 404, as if it were not there.
 */
final class DevTokensApi {

  private static final Logger log = LoggerFactory.getLogger(DevTokensApi.class);

  private final Auth auth;
  private final int ttlSeconds;

  DevTokensApi(Auth auth, int ttlSeconds) {
    this.auth = auth;
    this.ttlSeconds = ttlSeconds;
  }

  void issue(RoutingContext ctx) {
    if (!auth.devTokensEnabled()) {
      Problems.send(ctx, Problem.notFound("development tokens are off (auth.devTokens, AUTH_DEV_TOKENS)"));
      return;
    }
    String userId = Api.body(ctx).getString("userId");
    log.info("development token issued for user={}", userId);
    ctx.response().setStatusCode(201);
    ctx.json(new JsonObject().put("token", auth.issue(userId)).put("tokenType", "Bearer").put("expiresIn", ttlSeconds));
  }
}
