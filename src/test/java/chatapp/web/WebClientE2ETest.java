package chatapp.web;

import chatapp.Services;
import chatapp.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two people in two real browsers (Debian's headless Chromium, driven through Debian's
 * chromedriver) chat through the web client the chat service serves, against the real pipeline.
 */
class WebClientE2ETest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "e2e");

  private static Vertx vertx;
  private static String base;
  private static final List<WebDriver> browsers = new ArrayList<>();

  @BeforeAll
  static void start() {
    // .ci/run installs them; a developer without them is told, not failed.
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
      "apt-get install -y chromium chromium-driver");
    vertx = Vertx.vertx();
    JsonObject config = TestConfig.create(Map.of("AUTH_DEV_TOKENS", "true", "AUTH_HMAC_SECRET", "e2e-secret"));
    Services.deploy(vertx, config, Services.ALL).await();
    base = "http://127.0.0.1:" + config.getJsonObject("http").getInteger("port") + "/";
  }

  @AfterAll
  static void stop() {
    browsers.forEach(WebDriver::quit);
    if (vertx != null) {
      vertx.close().await();
    }
  }

  private static WebDriver browser() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // As root, without a GPU, on a machine with no network but loopback (the flags the machine notes list).
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,800",
      "--user-data-dir=" + Files.createTempDirectory("chromium-"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    WebDriver driver = new ChromeDriver(service, options);
    browsers.add(driver);
    return driver;
  }

  private static WebDriverWait waitIn(WebDriver d) {
    // Lists are re-rendered as events arrive: an element found a moment ago may be replaced.
    WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(30));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  private static void signIn(WebDriver d, String user) {
    signIn(d, base, user);
  }

  private static void signIn(WebDriver d, String url, String user) {
    d.get(url);
    waitIn(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("user-name"))).sendKeys(user);
    d.findElement(By.cssSelector("#sign-in-form button")).click();
    waitIn(d).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "connected"));
  }

  /** Creates a room from the page, which then shows it; returns its id. */
  private static String createRoom(WebDriver d, String name) {
    d.findElement(By.id("room-name")).sendKeys(name);
    d.findElement(By.cssSelector("#create-room-form button")).click();
    waitIn(d).until(ExpectedConditions.textToBePresentInElementLocated(By.id("room-id-line"), "Room id: "));
    return d.findElement(By.id("room-id-line")).getText().substring("Room id: ".length()).trim();
  }

  /** Joins a room by its id from the page, which then shows it. */
  private static void joinRoom(WebDriver d, String roomId, String name) {
    d.findElement(By.id("room-id")).sendKeys(roomId);
    d.findElement(By.cssSelector("#join-room-form button")).click();
    waitIn(d).until(ExpectedConditions.textToBePresentInElementLocated(By.id("room-title"), name));
  }

  private static void send(WebDriver d, String text) {
    WebElement body = d.findElement(By.id("message-body"));
    body.sendKeys(text);
    d.findElement(By.cssSelector("#send-form button")).click();
    // The sender's own socket gets the message back from the room once it is stored.
    seesMessage(d, text);
  }

  private static void seesMessage(WebDriver d, String text) {
    try {
      waitIn(d).until(ExpectedConditions.textToBePresentInElementLocated(By.id("messages"), text));
    } catch (RuntimeException e) {
      throw new AssertionError("'" + text + "' not shown; page status: " + d.findElement(By.id("status")).getText()
        + "; page error: " + d.findElement(By.id("error")).getText(), e);
    }
  }

  private static void screenshot(WebDriver d, String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    File shot = ((TakesScreenshot) d).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @DisplayName("two users chat live; one leaves, the other writes, and the first comes back to a notification count and the missed message")
  void twoUsersChatAndOneComesBack() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String alice = "alice-" + suffix;
    String bob = "bob-" + suffix;
    WebDriver a = browser();
    WebDriver b = browser();

    signIn(a, alice);
    String roomId = createRoom(a, "Tea room " + suffix);
    signIn(b, bob);
    joinRoom(b, roomId, "Tea room " + suffix);

    send(a, "hello bob");
    seesMessage(b, "hello bob");
    send(b, "hi alice");
    seesMessage(a, "hi alice");
    waitIn(a).until(ExpectedConditions.attributeContains(By.cssSelector("#member-list li[data-user-id='" + bob + "']"), "class", "online"));
    screenshot(a, "chat.png");

    // Bob closes his page; Alice writes to him while he is away.
    b.get("about:blank");
    waitIn(a).until(ExpectedConditions.not(ExpectedConditions.attributeContains(
      By.cssSelector("#member-list li[data-user-id='" + bob + "']"), "class", "online")));
    send(a, "are you there?");

    // Bob comes back: the room shows one unread message, and opening it shows what he missed.
    b.get(base);
    WebElement badge = waitIn(b).until(ExpectedConditions.visibilityOfElementLocated(
      By.cssSelector("#room-list button[data-room-id='" + roomId + "'] .badge")));
    assertEquals("1", badge.getText());
    screenshot(b, "notification.png");
    b.findElement(By.cssSelector("#room-list button[data-room-id='" + roomId + "']")).click();
    seesMessage(b, "are you there?");
    List<String> bodies = b.findElements(By.cssSelector("#messages .body")).stream().map(WebElement::getText).toList();
    assertEquals(List.of("hello bob", "hi alice", "are you there?"), bodies, "in order, each once");
    assertTrue(Files.size(SCREENSHOTS.resolve("chat.png")) > 0);
  }

  @Test
  @DisplayName("a tab that comes back shows what arrived while it was away, though another tab kept its user online and no notification was made")
  void tabComesBackWhileItsUserStayedOnline() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String alice = "alice-" + suffix;
    String bob = "bob-" + suffix;
    WebDriver a = browser();
    WebDriver bobsFirstTab = browser();
    WebDriver bobsSecondTab = browser();

    signIn(a, alice);
    String roomId = createRoom(a, "Two tabs " + suffix);
    signIn(bobsFirstTab, bob);
    joinRoom(bobsFirstTab, roomId, "Two tabs " + suffix);
    send(a, "before");

    // Bob's second tab reads the room, then goes elsewhere; his first tab keeps him online.
    By room = By.cssSelector("#room-list button[data-room-id='" + roomId + "']");
    signIn(bobsSecondTab, bob);
    waitIn(bobsSecondTab).until(ExpectedConditions.elementToBeClickable(room)).click();
    seesMessage(bobsSecondTab, "before");
    bobsSecondTab.get("about:blank");
    send(a, "while the second tab was away");
    seesMessage(bobsFirstTab, "while the second tab was away");

    // The second tab comes back and resumes where it stopped: the message it missed is unread.
    bobsSecondTab.get(base);
    WebElement badge = waitIn(bobsSecondTab).until(ExpectedConditions.visibilityOfElementLocated(
      By.cssSelector("#room-list button[data-room-id='" + roomId + "'] .badge")));
    assertEquals("1", badge.getText());
  }

  @Test
  @DisplayName("Enter pressed twice before the answer sends the message once")
  void enterTwiceSendsOnce() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    WebDriver a = browser();
    signIn(a, "dora-" + suffix);
    createRoom(a, "Twice " + suffix);
    a.findElement(By.id("message-body")).sendKeys("only once " + suffix, Keys.ENTER, Keys.ENTER);
    seesMessage(a, "only once " + suffix);
    send(a, "then this " + suffix); // arrives after any second copy would have
    long copies = a.findElements(By.cssSelector("#messages li .body")).stream()
      .filter(e -> e.getText().equals("only once " + suffix)).count();
    assertEquals(1, copies, "messages shown: " + a.findElement(By.id("messages")).getText());
  }

  @Test
  @DisplayName("a room its user left on another device leaves the page's list, instead of staying there silent")
  void aRevokedRoomLeavesTheList() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    // Sockets check their rooms every 2 s here instead of 30.
    JsonObject config = TestConfig.create(Map.of("AUTH_DEV_TOKENS", "true", "AUTH_HMAC_SECRET", "e2e-revoke-secret",
      "GATEWAY_MEMBERSHIP_TTL_SECONDS", "2"));
    String url = "http://127.0.0.1:" + config.getJsonObject("http").getInteger("port") + "/";
    Vertx server = Vertx.vertx();
    try {
      Services.deploy(server, config, Services.ALL).await();
      WebDriver d = browser();
      String erin = "erin-" + suffix;
      signIn(d, url, erin);
      String roomId = createRoom(d, "Left elsewhere " + suffix);
      WebClient web = WebClient.create(server);
      String token = web.postAbs(url + "api/dev/tokens").sendJsonObject(new JsonObject().put("userId", erin)).await()
        .bodyAsJsonObject().getString("token");
      assertEquals(204, web.deleteAbs(url + "api/rooms/" + roomId + "/members/" + erin).bearerTokenAuthentication(token)
        .send().await().statusCode());
      waitIn(d).until(ExpectedConditions.invisibilityOfElementLocated(
        By.cssSelector("#room-list button[data-room-id='" + roomId + "']")));
    } finally {
      server.close().await();
    }
  }

  @Test
  @DisplayName("a token that expires while the socket is down sends the page back to sign-in once the server answers, instead of reconnecting for ever")
  void tokenExpiredWhileDisconnected() throws Exception {
    int ttlSeconds = 6;
    JsonObject config = TestConfig.create(Map.of("AUTH_DEV_TOKENS", "true", "AUTH_HMAC_SECRET", "e2e-expiry-secret",
      "AUTH_TOKEN_TTL_SECONDS", String.valueOf(ttlSeconds)));
    String url = "http://127.0.0.1:" + config.getJsonObject("http").getInteger("port") + "/";
    Vertx server = Vertx.vertx();
    Services.deploy(server, config, Services.ALL).await();
    WebDriver d = browser();
    long before = System.currentTimeMillis();
    signIn(d, url, "carol-" + UUID.randomUUID().toString().substring(0, 6));
    // The server goes away before the token ends, so no "token_expired" frame can reach the page.
    server.close().await();
    waitIn(d).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "reconnecting"));
    long expired = before + ttlSeconds * 1000L + 1000;
    Thread.sleep(Math.max(0, expired - System.currentTimeMillis())); // the token's lifetime, not a guess
    Vertx again = Vertx.vertx();
    try {
      Services.deploy(again, config, Services.ALL).await();
      try {
        waitIn(d).until(ExpectedConditions.visibilityOfElementLocated(By.id("user-name")));
      } catch (RuntimeException e) {
        throw new AssertionError("not sent back to sign-in; page status: " + d.findElement(By.id("status")).getText(), e);
      }
    } finally {
      again.close().await();
    }
  }
}
