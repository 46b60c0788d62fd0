package chatapp.chat.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns every failure of an API request into an RFC 9457 body: refusals the handlers raise
 * ({@link Problem}), contract violations found by the OpenAPI validator (naming each field),
 * refused tokens, and anything unexpected (500, logged with the path, never with the token).
 */
public final class Problems {

  public static final String CONTENT_TYPE = "application/problem+json";

  private static final Logger log = LoggerFactory.getLogger(Problems.class);
  private static final Pattern PARAMETER = Pattern.compile("(path|query|header|cookie) parameter (\\S+)");

  private final ContractErrors contractErrors;

  /** {@code contract}: the served OpenAPI document, whose schema descriptions explain a refused value. */
  Problems(JsonObject contract) {
    this.contractErrors = new ContractErrors(contract);
  }

  /** Writes {@code problem} unless the response is already on its way. */
  public static void send(RoutingContext ctx, Problem problem) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    ctx.response()
      .setStatusCode(problem.status())
      .putHeader("Content-Type", CONTENT_TYPE)
      .end(problem.toJson(ctx.request().path()).encode());
  }

  /** The failure handler of every API route. */
  void handle(RoutingContext ctx) {
    send(ctx, toProblem(ctx));
  }

  private Problem toProblem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    // The contract's validator reaches here as a 400 HttpException around the validation error.
    if (failure instanceof HttpException h && h.getCause() instanceof ValidatorException v) {
      failure = v;
    }
    if (failure instanceof Problem p) {
      return p;
    }
    if (failure instanceof SchemaValidationException e) {
      return contractErrors.problem(e);
    }
    if (failure instanceof ValidatorException e && e.getMessage().contains("request body")) {
      return Problem.badRequest("body", "is not valid JSON, or not of the content type the operation takes (application/json)");
    }
    if (failure instanceof ValidatorException e) {
      Matcher m = PARAMETER.matcher(e.getMessage());
      String field = m.find() ? m.group(2) : "request";
      return new Problem(400, e.getMessage(),
        new JsonArray().add(new JsonObject().put("field", field).put("message", e.getMessage())));
    }
    if (failure instanceof DecodeException) {
      return Problem.badRequest("body", "is not valid JSON");
    }
    return byStatus(ctx);
  }

  /**
   * The failure handler of routes outside the contract (the socket gateway's): the problem its
   * status says, with the same wording as the API's.
   */
  public static void handleByStatus(RoutingContext ctx) {
    send(ctx, byStatus(ctx));
  }

  private static Problem byStatus(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException h ? h.getStatusCode() : ctx.statusCode();
    if (status == 401) {
      Throwable why = failure == null ? null : failure.getCause();
      return new Problem(401, why == null || why.getMessage() == null
        ? "a bearer token is required: Authorization: Bearer <token>"
        : "the bearer token was refused: " + why.getMessage());
    }
    if (status == 413) {
      return new Problem(413, "the request body is too large");
    }
    if (status >= 400 && status < 500) {
      return new Problem(status, failure != null && failure.getMessage() != null ? failure.getMessage() : Problem.title(status));
    }
    log.error("request {} {} failed", ctx.request().method(), ctx.request().path(), failure);
    return new Problem(500, "the request failed on the server; it changed nothing that it did not report");
  }
}
