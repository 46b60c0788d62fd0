package chatapp.config;

import chatapp.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class VertxSettingsTest {

  @Test
  @DisplayName("the shipped configuration runs on the native transport on Linux x86-64 and ARM, where the epoll library ships with the build")
  void nativeTransportOnLinux() {
    assumeTrue(System.getProperty("os.name").equals("Linux") && List.of("amd64", "aarch64").contains(System.getProperty("os.arch")),
      "the build bundles epoll for Linux on x86-64 and ARM");
    JsonObject config = TestConfig.fileConfig();
    Vertx vertx = Vertx.vertx(VertxSettings.options(config));
    try {
      assertTrue(vertx.isNativeTransportEnabled(), "native transport unavailable: " + vertx.unavailableNativeTransportCause());
      assertEquals("native (epoll)", VertxSettings.transport(vertx, config));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("VERTX_NATIVE_TRANSPORT=false runs on Java NIO")
  void nativeTransportCanBeTurnedOff() {
    JsonObject config = AppConfig.withOverrides(TestConfig.fileConfig(), Map.of("VERTX_NATIVE_TRANSPORT", "false"));
    Vertx vertx = Vertx.vertx(VertxSettings.options(config));
    try {
      assertFalse(vertx.isNativeTransportEnabled());
      assertEquals("Java NIO", VertxSettings.transport(vertx, config));
    } finally {
      vertx.close().await();
    }
  }
}
