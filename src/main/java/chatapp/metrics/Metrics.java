package chatapp.metrics;

import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * Vert.x metrics (HTTP, event bus, pools, JVM) in one Prometheus registry per process, scraped at
 * {@code GET /metrics} on each service's port. The pipeline's own meters register in the same
 * registry ({@code BackendRegistries.getDefaultNow()}), so one scrape shows everything.
 */
public final class Metrics {

  private Metrics() {
  }

  public static VertxOptions enable(VertxOptions options) {
    return options.setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  public static void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
  }
}
