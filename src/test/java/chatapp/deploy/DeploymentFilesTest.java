package chatapp.deploy;

import chatapp.config.AppConfig;
import chatapp.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs here, so the production files are checked against the code instead: every
 * variable the compose file gives our image is a configuration key, and the load balancer knows
 * every chat node.
 */
class DeploymentFilesTest {

  private static Set<String> configVariables() {
    Set<String> names = new HashSet<>();
    collect(TestConfig.fileConfig(), "", names);
    return names;
  }

  private static void collect(JsonObject node, String prefix, Set<String> out) {
    node.forEach(e -> {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof JsonObject child) {
        collect(child, path, out);
      } else {
        out.add(AppConfig.variableName(path));
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> services() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/compose.yml")));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  private static boolean ours(Map<String, Object> service) {
    return service.get("build") instanceof Map<?, ?> build && "docker/Dockerfile".equals(build.get("dockerfile"));
  }

  @Test
  @DisplayName("every environment variable the compose file gives the chat image is a key of conf/config.json")
  @SuppressWarnings("unchecked")
  void composeSpeaksTheConfigurationsLanguage() throws Exception {
    Set<String> known = configVariables();
    Set<String> unknown = new TreeSet<>();
    int checked = 0;
    for (var e : services().entrySet()) {
      if (!ours(e.getValue())) {
        continue;
      }
      Map<String, Object> env = (Map<String, Object>) e.getValue().get("environment");
      for (String name : env.keySet()) {
        checked++;
        if (!known.contains(name)) {
          unknown.add(e.getKey() + ": " + name);
        }
      }
    }
    assertTrue(checked > 10, "the chat services have their environment");
    assertEquals(Set.of(), unknown, "variables no configuration key reads");
  }

  @Test
  @DisplayName("every service of the chat image waits for healthy Kafka and CQL (it creates its schema once, at start) and is restarted when it fails")
  @SuppressWarnings("unchecked")
  void servicesWaitForHealthyEnginesAndRestart() throws Exception {
    Map<String, Map<String, Object>> services = services();
    for (var e : services.entrySet()) {
      if (!ours(e.getValue())) {
        continue;
      }
      assertEquals("on-failure", e.getValue().get("restart"), e.getKey());
      Map<String, Object> dependsOn = (Map<String, Object>) e.getValue().get("depends_on");
      for (String engine : List.of("kafka", "scylla")) {
        assertEquals("service_healthy", ((Map<String, Object>) dependsOn.get(engine)).get("condition"), e.getKey() + " on " + engine);
        assertTrue(services.get(engine).get("healthcheck") instanceof Map<?, ?>, engine + " has a health check");
      }
    }
  }

  @Test
  @DisplayName("the load balancer balances over exactly the chat nodes of the compose file, on the configured port")
  @SuppressWarnings("unchecked")
  void loadBalancerKnowsEveryChatNode() throws Exception {
    Set<String> chatNodes = new TreeSet<>();
    for (var e : services().entrySet()) {
      Map<String, Object> env = (Map<String, Object>) e.getValue().get("environment");
      if (ours(e.getValue()) && "chat".equals(String.valueOf(env.get("SERVICES")))) {
        chatNodes.add(e.getKey() + ":" + TestConfig.fileConfig().getJsonObject("http").getInteger("port"));
      }
    }
    Set<String> upstream = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s*server\\s+([\\w.-]+:\\d+);").matcher(Files.readString(Path.of("docker/nginx.conf")));
    while (m.find()) {
      upstream.add(m.group(1));
    }
    assertTrue(chatNodes.size() >= 2, "several chat nodes: " + chatNodes);
    assertEquals(chatNodes, upstream);
  }

  @Test
  @DisplayName("the image exposes the ports the configuration listens on")
  void imageExposesConfiguredPorts() throws Exception {
    String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
    JsonObject conf = TestConfig.fileConfig();
    assertTrue(dockerfile.contains("EXPOSE " + conf.getJsonObject("http").getInteger("port") + " " + conf.getJsonObject("grpc").getInteger("port")),
      dockerfile);
  }
}
