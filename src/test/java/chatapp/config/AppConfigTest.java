package chatapp.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppConfigTest {

  private final JsonObject file = new JsonObject()
    .put("http", new JsonObject().put("port", 8080))
    .put("notificationService", new JsonObject().put("address", "127.0.0.1:50051"))
    .put("kafka", new JsonObject().put("bootstrapServers", ""))
    .put("cluster", new JsonObject().put("enabled", false));

  @Test
  @DisplayName("an environment variable named after a key's path overrides it, typed as the file declares it")
  void environmentOverridesTheFile() {
    JsonObject c = AppConfig.withOverrides(file, Map.of(
      "HTTP_PORT", "9090",
      "NOTIFICATION_SERVICE_ADDRESS", "notify:50051",
      "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
      "CLUSTER_ENABLED", "true"));
    assertEquals(9090, c.getJsonObject("http").getInteger("port"));
    assertEquals("notify:50051", c.getJsonObject("notificationService").getString("address"));
    assertEquals("k1:9092,k2:9092", c.getJsonObject("kafka").getString("bootstrapServers"));
    assertTrue(c.getJsonObject("cluster").getBoolean("enabled"));
    assertEquals(8080, file.getJsonObject("http").getInteger("port"), "the base is not modified");
  }

  @Test
  @DisplayName("variables that name no key of the file are ignored")
  void unknownVariablesAreIgnored() {
    JsonObject c = AppConfig.withOverrides(file, Map.of("PATH", "/usr/bin", "HTTP_PORTS", "1"));
    assertEquals(file, c);
    assertFalse(c.containsKey("PATH"));
  }

  @Test
  @DisplayName("a value that does not fit the key's type is refused with the variable's name")
  void badValueIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> AppConfig.withOverrides(file, Map.of("HTTP_PORT", "eighty")));
    assertTrue(e.getMessage().contains("HTTP_PORT"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AppConfig.withOverrides(file, Map.of("CLUSTER_ENABLED", "yes")));
  }

  @Test
  @DisplayName("the shipped file declares the variables the README and docker files use")
  void shippedFileDeclaresDocumentedVariables() throws Exception {
    JsonObject shipped = new JsonObject(java.nio.file.Files.readString(java.nio.file.Path.of(AppConfig.DEFAULT_FILE)));
    JsonObject c = AppConfig.withOverrides(shipped, Map.of(
      "NOTIFICATION_SERVICE_ADDRESS", "x:1", "KAFKA_BOOTSTRAP_SERVERS", "k:1", "CQL_CONTACT_POINTS", "c:1"));
    assertEquals("x:1", c.getJsonObject("notificationService").getString("address"));
    assertEquals("k:1", c.getJsonObject("kafka").getString("bootstrapServers"));
    assertEquals("c:1", c.getJsonObject("cql").getString("contactPoints"));
  }
}
