package chatapp.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineMetersTest {

  @Test
  void theConsumerLagGaugeReadsTheConsumersValue() {
    Vertx vertx = Vertx.vertx(Metrics.enable(new VertxOptions()));
    try {
      // As the services deploy: the fan-out's meters first, then the consumer's.
      PipelineMeters.get();
      PipelineMeters consumer = PipelineMeters.get();
      consumer.consumed(System.currentTimeMillis() - 5_000);
      MeterRegistry registry = BackendRegistries.getDefaultNow();
      double lag = registry.get("chat.pipeline.consumer.lag.ms").gauge().value();
      assertTrue(lag >= 5_000, "the gauge reads " + lag + " ms, the consumer's record was 5 s old");
    } finally {
      vertx.close().await();
    }
  }
}
