package chatapp.chat.web;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The browser client at {@code /}: its own files from {@code webroot/} on the classpath, and
 * sockjs-client from its webjar, so a page loads nothing from outside the service (no CDN: many
 * deployments, and this build machine, are offline).
 */
public final class WebClientRoutes {

  /** The sockjs-client version of the webjar in the pom. */
  private static final String SOCKJS = "META-INF/resources/webjars/sockjs-client/1.6.1/dist";

  private WebClientRoutes() {
  }

  /** Mount last: a file it does not have falls through to the next route, and then to 404. */
  public static void mount(Router router) {
    router.get("/*").handler(StaticHandler.create("webroot").setDefaultContentEncoding("UTF-8"));
    // What webroot/vendor does not hold (sockjs.min.js) comes from the webjar, under the same path.
    router.get("/vendor/*").handler(StaticHandler.create(SOCKJS).setDefaultContentEncoding("UTF-8"));
  }
}
