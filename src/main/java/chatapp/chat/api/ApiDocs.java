package chatapp.chat.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.Properties;

/**
 * The contract as documentation: {@code /openapi.yaml} (the file itself), {@code /openapi.json}
 * (the same document) and Swagger UI at {@code /docs}, whose assets come from the swagger-ui webjar
 * on the classpath. Nothing is fetched from elsewhere: the page works on an offline network.
 */
final class ApiDocs {

  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
  private static final String WEBJAR_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties";

  private final Buffer yaml;
  private final JsonObject document;
  private final String uiRoot;
  private final Buffer index;
  private final Buffer initializer;

  private ApiDocs(Buffer yaml, JsonObject document, String uiRoot, Buffer index, Buffer initializer) {
    this.yaml = yaml;
    this.document = document;
    this.uiRoot = uiRoot;
    this.index = index;
    this.initializer = initializer;
  }

  /** Reads the contract and Swagger UI's version from the classpath (asynchronously: it may be in a jar). */
  static Future<ApiDocs> load(Vertx vertx, String contract) {
    Future<Buffer> yaml = vertx.fileSystem().readFile(contract);
    Future<Buffer> pom = vertx.fileSystem().readFile(WEBJAR_POM);
    Future<Buffer> index = vertx.fileSystem().readFile("docs/index.html");
    Future<Buffer> init = vertx.fileSystem().readFile("docs/chat-initializer.js");
    return Future.all(yaml, pom, index, init).map(v -> {
      Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml.result().toString());
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new IllegalStateException(contract + " is not a YAML mapping");
      }
      // Round trip through JSON text: nested YAML maps and lists become JsonObject and JsonArray.
      JsonObject document = new JsonObject(new JsonObject(castMap(map)).encode());
      return new ApiDocs(yaml.result(), document, WEBJAR + version(pom.result()), index.result(), init.result());
    });
  }

  /** The served document (do not modify). */
  JsonObject document() {
    return document;
  }

  /** The document the router is built from: the served one, less what the validator cannot read. */
  JsonObject routingContract() {
    JsonObject copy = document.copy();
    // vertx-openapi 5.0.7 refuses a contract whose responses use a media type it cannot validate,
    // application/problem+json among them, although the router validates requests only. The
    // router's copy drops the error bodies' schemas; the served document keeps them.
    JsonObject responses = copy.getJsonObject("components", new JsonObject()).getJsonObject("responses", new JsonObject());
    responses.forEach(e -> ((JsonObject) e.getValue()).remove("content"));
    return copy;
  }

  void mount(Router root) {
    root.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(yaml));
    root.get("/openapi.json").handler(ctx -> ctx.json(document));
    root.get("/docs").handler(ctx -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(index));
    root.get("/docs/").handler(ctx -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(index));
    root.get("/docs/chat-initializer.js").handler(ctx ->
      ctx.response().putHeader("Content-Type", "text/javascript; charset=utf-8").end(initializer));
    root.get("/docs/*").handler(StaticHandler.create(uiRoot).setDirectoryListing(false));
  }

  private static String version(Buffer pomProperties) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(pomProperties.toString()));
    } catch (IOException e) {
      throw new IllegalStateException("unreadable " + WEBJAR_POM, e);
    }
    String version = p.getProperty("version");
    if (version == null) {
      throw new IllegalStateException(WEBJAR_POM + " names no version");
    }
    return version;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
