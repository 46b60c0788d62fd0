package chatapp.testing;

import chatapp.config.AppConfig;
import chatapp.devstack.DevStack;
import chatapp.grpc.GrpcAddresses;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The shipped configuration, pointed at the shared test stack, with free ports and a fresh topic
 * and consumer group per call so test classes never read each other's messages.
 */
public final class TestConfig {

  private TestConfig() {
  }

  public static JsonObject fileConfig() {
    try {
      return new JsonObject(Files.readString(Path.of(AppConfig.DEFAULT_FILE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A config for one test class; {@code overrides} use the environment-variable names. */
  public static JsonObject create(Map<String, String> overrides) {
    DevStack stack = SharedStack.get();
    int grpcPort = freePort();
    String unique = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = new HashMap<>(Map.of(
      "KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrap(),
      "KAFKA_TOPIC", "chat.messages." + unique,
      "KAFKA_CONSUMER_GROUP", "chat-store-" + unique,
      "CQL_CONTACT_POINTS", stack.cassandraContactPoint(),
      "CQL_LOCAL_DATACENTER", stack.cassandraDatacenter(),
      "HTTP_HOST", "127.0.0.1",
      "HTTP_PORT", String.valueOf(freePort()),
      "GRPC_HOST", "127.0.0.1",
      "GRPC_PORT", String.valueOf(grpcPort),
      "NOTIFICATION_SERVICE_ADDRESS", "127.0.0.1:" + grpcPort));
    env.put("CQL_KEYSPACE", "chat_test");
    // The TCP event-bus bridge listens too; a fixed port would collide between parallel runs.
    env.put("TCP_BRIDGE_HOST", "127.0.0.1");
    env.put("TCP_BRIDGE_PORT", String.valueOf(freePort()));
    env.putAll(overrides);
    return AppConfig.withOverrides(fileConfig(), env);
  }

  public static JsonObject create() {
    return create(Map.of());
  }

  /**
   * A config for tests that take the notification service down and bring it back: the chat node's
   * notifier gives a call up after 1 s and retries within half a second, where the shipped
   * settings wait 2 s and back off to 5 s.
   */
  public static JsonObject quickNotifierRetries() {
    return create(Map.of(
      "NOTIFICATION_SERVICE_DEADLINE_MS", "1000",
      "NOTIFICATION_SERVICE_RETRY_INITIAL_BACKOFF_MS", "50",
      "NOTIFICATION_SERVICE_RETRY_MAX_BACKOFF_MS", "500"));
  }

  /** Where the chat node calls the notification service (the one this config's gRPC port serves). */
  public static SocketAddress notificationService(JsonObject config) {
    return GrpcAddresses.parse(config.getJsonObject("notificationService").getString("address"));
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
