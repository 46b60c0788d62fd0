package chatapp.chat.api;

import chatapp.auth.Auth;
import chatapp.chat.presence.Presence;
import chatapp.chat.store.Cql;
import chatapp.chat.store.MessageStore;
import chatapp.chat.store.RoomStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;

import java.util.Map;

/**
 * The REST API under {@code /api}, contract first: {@value #CONTRACT} (on the classpath) declares
 * every operation, its parameters, bodies and security, and the router built from it validates
 * each request against it before a handler runs. A handler exists for every operation id; the
 * contract, its Swagger UI and the API are served by the chat service's one HTTP server.
 */
public final class Api {

  /** The OpenAPI 3.1 document, a classpath resource (also served as is at /openapi.yaml). */
  public static final String CONTRACT = "openapi.yaml";

  private final CassandraClient cql;
  private final Router router;
  private final ApiDocs docs;
  private final Problems problems;

  private Api(CassandraClient cql, Router router, ApiDocs docs, Problems problems) {
    this.cql = cql;
    this.router = router;
    this.docs = docs;
    this.problems = problems;
  }

  /** Loads the contract and the stores, and builds the router; fails when the contract is broken. */
  public static Future<Api> create(Vertx vertx, JsonObject config) {
    JsonObject cqlConfig = config.getJsonObject("cql");
    JsonObject apiConfig = config.getJsonObject("api");
    Auth auth = Auth.create(vertx, config.getJsonObject("auth"));
    CassandraClient cql = Cql.client(vertx, cqlConfig);
    Future<RoomStore> rooms = RoomStore.create(cql, cqlConfig);
    Future<MessageStore> messages = MessageStore.create(cql, cqlConfig);
    Future<ApiDocs> docs = ApiDocs.load(vertx, CONTRACT);
    return Future.all(rooms, messages, docs)
      .compose(v -> OpenAPIContract.from(vertx, docs.result().routingContract()))
      .map(contract -> {
        Access access = new Access(rooms.result());
        RoomsApi roomsApi = new RoomsApi(rooms.result(), access, Presence.create(vertx));
        MessagesApi messagesApi = new MessagesApi(vertx, messages.result(), access, apiConfig.getLong("sendTimeoutMs"));
        Problems problems = new Problems(docs.result().document());
        DevTokensApi devTokens = new DevTokensApi(auth, config.getJsonObject("auth").getInteger("tokenTtlSeconds", 3600));
        // The body is read by the BodyHandler mounted before the router (with its size limit).
        RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
        builder.security("bearerAuth").httpHandler(JWTAuthHandler.create(auth.provider()));
        Map<String, Handler<RoutingContext>> operations = Map.of(
          "issueDevToken", devTokens::issue,
          "createRoom", roomsApi::create,
          "listMyRooms", roomsApi::listMine,
          "getRoom", roomsApi::get,
          "listMembers", roomsApi::listMembers,
          "addMember", roomsApi::addMember,
          "removeMember", roomsApi::removeMember,
          "readHistory", messagesApi::history,
          "sendMessage", messagesApi::send);
        builder.getRoutes().forEach(route -> {
          Handler<RoutingContext> handler = operations.get(route.getOperation().getOperationId());
          if (handler == null) {
            throw new IllegalStateException("the contract declares " + route.getOperation().getOperationId() + ", which has no handler");
          }
          route.addHandler(handler).addFailureHandler(problems::handle);
        });
        return new Api(cql, builder.createRouter(), docs.result(), problems);
      })
      .onFailure(e -> cql.close());
  }

  /**
   * Mounts the API under {@code /api}, the contract at {@code /openapi.yaml} and {@code /openapi.json},
   * and Swagger UI at {@code /docs}. A path or method nobody serves is a 404 or 405 problem.
   */
  public void mount(Router root, JsonObject config) {
    long bodyLimit = config.getJsonObject("api").getLong("maxBodyBytes");
    docs.mount(root);
    root.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(bodyLimit)).failureHandler(problems::handle);
    // The contract's paths are absolute (/api/...), as its request validator expects: the router is
    // mounted at the root, and a path it does not know falls through to the routes after it.
    root.route("/*").subRouter(router);
    root.errorHandler(405, ctx -> Problems.send(ctx, new Problem(405,
      ctx.request().method() + " is not allowed on " + ctx.request().path())));
    root.errorHandler(404, ctx -> Problems.send(ctx, Problem.notFound("nothing at " + ctx.request().path())));
  }

  public Future<Void> close() {
    return cql.close();
  }

  /** The request body the contract validated (a JSON object wherever this is called). */
  static JsonObject body(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    return body == null ? new JsonObject() : body;
  }

  /** Answers the JSON on success (status as set by the handler, 200 by default), a problem otherwise. */
  static void json(RoutingContext ctx, Future<JsonObject> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.json(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  static void noContent(RoutingContext ctx, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().setStatusCode(204).end();
      } else {
        ctx.fail(ar.cause());
      }
    });
  }
}
