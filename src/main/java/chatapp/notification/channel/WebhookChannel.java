package chatapp.notification.channel;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * POSTs each push as JSON to a configured URL, for a real push provider (or a relay to one) to sit
 * behind. Signed so the receiver can tell it came from us and was not replayed:
 * {@code X-Chat-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))} with the
 * Unix-seconds {@code X-Chat-Timestamp}; {@code X-Chat-Delivery} repeats the push id to dedupe on.
 * A 2xx answer is a delivery; 408, 429, 5xx, a timeout or no connection may pass and are retried;
 * any other 4xx is a refusal for good.
 */
public final class WebhookChannel implements DeliveryChannel {

  public static final String SIGNATURE = "X-Chat-Signature";
  public static final String TIMESTAMP = "X-Chat-Timestamp";
  public static final String DELIVERY = "X-Chat-Delivery";

  private final WebClient client;
  private final String url;
  private final byte[] secret;
  private final long timeoutMs;

  public WebhookChannel(Vertx vertx, JsonObject webhook) {
    this.url = webhook.getString("url");
    String key = webhook.getString("secret", "");
    if (key.isBlank()) {
      throw new IllegalArgumentException("notifications.webhook.secret (NOTIFICATIONS_WEBHOOK_SECRET) is required"
        + " when notifications.webhook.url is set: pushes are signed with it");
    }
    this.secret = key.getBytes(StandardCharsets.UTF_8);
    this.timeoutMs = webhook.getLong("timeoutMs");
    this.client = WebClient.create(vertx);
  }

  @Override
  public String name() {
    return "webhook";
  }

  @Override
  public Future<Void> deliver(JsonObject push) {
    Buffer body = push.toBuffer();
    String timestamp = Long.toString(System.currentTimeMillis() / 1000);
    return client.postAbs(url)
      .timeout(timeoutMs)
      .putHeader("Content-Type", "application/json")
      .putHeader(DELIVERY, push.getString("id"))
      .putHeader(TIMESTAMP, timestamp)
      .putHeader(SIGNATURE, "sha256=" + sign(secret, timestamp, body))
      .sendBuffer(body)
      .compose(resp -> {
        int code = resp.statusCode();
        if (code >= 200 && code < 300) {
          return Future.succeededFuture();
        }
        if (code >= 400 && code < 500 && code != 408 && code != 429) {
          return Future.failedFuture(new PermanentDeliveryException("webhook answered " + code));
        }
        return Future.failedFuture("webhook answered " + code);
      });
  }

  /** Hex HMAC-SHA256 of {@code timestamp + "." + body}: what a receiver recomputes to verify. */
  public static String sign(byte[] secret, String timestamp, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  public void close() {
    client.close();
  }
}
