package chatapp.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a window's messages spent their time, leg by leg, from the services' own stage timers
 * ({@code chatapp.metrics.PipelineMeters}) in this process's registry: their bucket counts at the
 * window's start, subtracted from those at its end. Only for services deployed in this JVM (not
 * {@code nodes=N}). Percentiles are bucket bounds (Micrometer's histogram steps, about 10 to 30%
 * apart), so they read as "at most".
 */
final class StageTimes {

  /** Timer names and how the printout calls them, in the order a message passes them. */
  private static final Map<String, String> STAGES = new LinkedHashMap<>();

  static {
    STAGES.put("chat.pipeline.produce.to.consumed", "Kafka (send to poll)");
    STAGES.put("chat.pipeline.produce.to.stored", "send to stored");
    STAGES.put("chat.pipeline.store.to.published", "stored to published");
  }

  private final Map<String, CountAtBucket[]> start;

  private StageTimes(Map<String, CountAtBucket[]> start) {
    this.start = start;
  }

  static StageTimes mark() {
    return new StageTimes(counts());
  }

  /** One line per stage: count, p50, p99 and p99.9 since {@link #mark}; empty when the timers are not in this process. */
  String since() {
    Map<String, CountAtBucket[]> end = counts();
    StringBuilder out = new StringBuilder();
    STAGES.forEach((name, label) -> {
      CountAtBucket[] a = start.get(name);
      CountAtBucket[] b = end.get(name);
      if (a == null || b == null || a.length != b.length || b.length == 0) {
        return;
      }
      double[] cumulative = new double[b.length];
      for (int i = 0; i < b.length; i++) {
        cumulative[i] = b[i].count() - a[i].count();
      }
      double total = cumulative[b.length - 1];
      if (total <= 0) {
        return;
      }
      out.append(String.format("  %-22s n=%,.0f  p50 <= %.1f ms  p99 <= %.1f ms  p99.9 <= %.1f ms%n", label, total,
        bound(b, cumulative, 0.5), bound(b, cumulative, 0.99), bound(b, cumulative, 0.999)));
    });
    return out.toString();
  }

  /** The upper bound, in ms, of the first bucket holding the {@code q} quantile. */
  private static double bound(CountAtBucket[] buckets, double[] cumulative, double q) {
    double total = cumulative[cumulative.length - 1];
    for (int i = 0; i < buckets.length; i++) {
      if (cumulative[i] >= q * total) {
        return buckets[i].bucket(TimeUnit.MILLISECONDS);
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private static Map<String, CountAtBucket[]> counts() {
    Map<String, CountAtBucket[]> counts = new LinkedHashMap<>();
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return counts;
    }
    for (String name : STAGES.keySet()) {
      Timer timer = registry.find(name).timer();
      if (timer != null) {
        counts.put(name, timer.takeSnapshot().histogramCounts());
      }
    }
    return counts;
  }
}
