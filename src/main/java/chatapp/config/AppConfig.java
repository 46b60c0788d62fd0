package chatapp.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * The configuration: {@code conf/config.json} (or the file named by {@code CHAT_CONFIG}), each leaf
 * overridable by an environment variable named after its path: {@code kafka.bootstrapServers} is
 * {@code KAFKA_BOOTSTRAP_SERVERS}, {@code notificationService.address} is
 * {@code NOTIFICATION_SERVICE_ADDRESS}. Only keys the file declares can be overridden, so a typo in
 * an environment variable cannot invent configuration, and every knob is documented by the file.
 */
public final class AppConfig {

  public static final String FILE_VARIABLE = "CHAT_CONFIG";
  public static final String DEFAULT_FILE = "conf/config.json";

  private AppConfig() {
  }

  /** Reads the file, then the environment; the environment wins (stores are declared in that order). */
  public static Future<JsonObject> load(Vertx vertx) {
    String path = System.getenv().getOrDefault(FILE_VARIABLE, DEFAULT_FILE);
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
      .setScanPeriod(0)
      .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", path)))
      .addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
      .eventually(retriever::close)
      .map(merged -> {
        // The file's keys are camelCase, environment variables UPPER_CASE: split the merged view back.
        JsonObject file = new JsonObject();
        Map<String, String> env = new HashMap<>();
        merged.forEach(e -> {
          if (!e.getKey().isEmpty() && Character.isLowerCase(e.getKey().charAt(0))) {
            file.put(e.getKey(), e.getValue());
          } else {
            env.put(e.getKey(), String.valueOf(e.getValue()));
          }
        });
        return withOverrides(file, env);
      });
  }

  /** A copy of {@code base} where each leaf whose variable name is in {@code env} takes its value. */
  public static JsonObject withOverrides(JsonObject base, Map<String, String> env) {
    JsonObject copy = base.copy();
    override(copy, "", env);
    return copy;
  }

  /** The environment variable that overrides a dotted path: {@code a.fooBar} gives {@code A_FOO_BAR}. */
  public static String variableName(String path) {
    return path.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
  }

  private static void override(JsonObject node, String prefix, Map<String, String> env) {
    for (String key : node.fieldNames().toArray(new String[0])) {
      Object value = node.getValue(key);
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      if (value instanceof JsonObject child) {
        override(child, path, env);
        continue;
      }
      String raw = env.get(variableName(path));
      if (raw != null) {
        node.put(key, coerce(path, value, raw));
      }
    }
  }

  private static Object coerce(String path, Object declared, String raw) {
    try {
      if (declared instanceof Integer || declared instanceof Long) {
        return Long.parseLong(raw.trim()) <= Integer.MAX_VALUE ? Integer.parseInt(raw.trim()) : Long.parseLong(raw.trim());
      }
      if (declared instanceof Number) {
        return Double.parseDouble(raw.trim());
      }
      if (declared instanceof Boolean) {
        if (!raw.trim().equalsIgnoreCase("true") && !raw.trim().equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(raw.trim());
      }
      if (declared instanceof JsonArray) {
        return new JsonArray(raw);
      }
      return raw;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
        "Environment variable " + variableName(path) + "='" + raw + "' does not fit " + path + ": " + e.getMessage(), e);
    }
  }
}
