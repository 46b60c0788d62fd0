package chatapp.chat.http;

import chatapp.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Runs the node's readiness checks ({@link ReadinessChecks}) for every HTTP instance, on
 * {@link Addresses#READINESS}: one set of clients per node, whatever the number of cores.
 */
public class ReadinessVerticle extends VerticleBase {

  private ReadinessChecks checks;
  private MessageConsumer<String> consumer;

  @Override
  public Future<?> start() {
    checks = new ReadinessChecks(vertx, config());
    consumer = vertx.eventBus().<String>localConsumer(Addresses.READINESS, msg -> checks.run(msg.body()).onComplete(
      status -> msg.reply(status.toJson()),
      failure -> msg.fail(500, String.valueOf(failure.getMessage()))));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister().eventually(() -> {
      checks.close();
      return Future.succeededFuture();
    });
  }
}
