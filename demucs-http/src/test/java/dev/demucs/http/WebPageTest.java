package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.testing.TestModels;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page at {@code /} in Debian's headless Chromium against a real server with a generated
 * four-stem model: upload, progress, the synchronised player (play, mute, solo, seek), downloads
 * compared byte for byte with the API, phone width, and the token prompt. Screenshots go to
 * {@code target/web-screenshots/}. Skips when chromium or chromedriver is absent.
 */
class WebPageTest {
    private static final Path SCREENSHOTS = Path.of("target", "web-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private ChromeDriver driver;
    private Path downloads;

    @BeforeEach
    void browser() throws IOException {
        Path chromium = Path.of(System.getProperty("demucs.chromium", "/usr/bin/chromium"));
        Path chromedriver = Path.of(System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"));
        Assumptions.assumeTrue(Files.isExecutable(chromium) && Files.isExecutable(chromedriver),
                "skipped: the browser test needs " + chromium + " and " + chromedriver + " (apt-get install chromium chromium-driver)");
        downloads = Files.createDirectories(dir.resolve("downloads"));
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions()
                .setBinary(chromium.toString())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,1400")
                .setExperimentalOption("prefs", Map.of(
                        "download.default_directory", downloads.toString(),
                        "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).build();
        driver = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void uploadFollowPlayMuteSeekAndDownload() throws Exception {
        Path wav = dir.resolve("song.wav");
        TestSupport.writeWav(wav, 12);
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).build()).start()) {
            TestSupport.Client client = new TestSupport.Client(server);
            client.awaitModel();
            driver.get("http://127.0.0.1:" + server.port() + "/");
            await(() -> text("server-status").contains("ready"));
            assertTrue(driver.findElement(By.id("auth-prompt")).getAttribute("hidden") != null, "no token prompt without a server token");
            assertEquals(List.of(), unlabelled(), "every control has a label");
            JsonNode limits = client.json("/status").get("limits");
            if (limits != null && limits.has("max_shifts")) { // the server reports its caps: the page shows them
                await(() -> text("limits").contains("max shifts"));
                assertEquals(limits.get("max_shifts").asText(), driver.findElement(By.id("shifts")).getAttribute("max"));
            } else {
                assertFalse(driver.findElement(By.id("limits")).isDisplayed(), "no limits shown when the server reports none");
            }
            screenshot("1-before");

            driver.findElement(By.id("interval_cut")).sendKeys("6");
            driver.findElement(By.id("all_stems")).click();
            driver.findElement(By.id("file")).sendKeys(wav.toString());
            driver.findElement(By.id("submit")).click();
            WebElement card = new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#active li.job")).stream().findFirst().orElse(null));
            screenshot("2-during");
            String id = card.getAttribute("data-job-id");
            assertEquals("100", driver.findElement(By.id("upload-progress")).getAttribute("value"), "upload progress bar full");

            await(() -> "completed".equals(card.getAttribute("data-status")));
            assertEquals("100", card.findElement(By.tagName("progress")).getAttribute("value"));
            assertTrue(card.getText().contains("100 %"), () -> "card shows 100 %: " + card.getText());
            assertTrue(card.getText().contains("segment 2 of 2 done"), () -> "card shows the segments: " + card.getText());

            // the player opens on the first segment with one row per stem of the model
            JsonNode job = client.json("/job/" + id);
            List<String> segmentZero = new ArrayList<>();
            job.get("files").forEach(f -> {
                String name = f.get("name").asText();
                if (name.startsWith("segment_000_") && name.endsWith(".wav")) {
                    segmentZero.add(name.substring("segment_000_".length(), name.length() - 4));
                }
            });
            List<String> expected = new ArrayList<>(TestModels.FOUR_STEMS);
            expected.add("instrum"); // all stems plus the complement of vocals
            assertEquals(expected.stream().sorted().toList(), segmentZero.stream().sorted().toList(), () -> "stem files of segment 0: " + job);
            await(() -> driver.findElements(By.cssSelector("#stems li.stem[data-gain]")).size() == segmentZero.size());
            List<String> rows = driver.findElements(By.cssSelector("#stems li.stem")).stream().map(e -> e.getAttribute("data-stem")).toList();
            assertEquals(segmentZero.stream().sorted().toList(), rows.stream().sorted().toList());
            assertEquals(2, new Select(driver.findElement(By.id("segment"))).getOptions().size());
            double duration = Double.parseDouble(driver.findElement(By.id("seek")).getAttribute("max"));
            assertEquals(6.0, duration, 0.05, "segment 0 lasts up to the cut point");
            assertTrue(waveformInk("drums") > 0.05, "the drums waveform is drawn");
            assertEquals("0", gain("instrum"), "the complement starts muted beside all stems");
            assertEquals("1", gain("vocals"));

            // play (looping, so a slow machine cannot run out of audio): the shared clock advances
            // and sound reaches the output
            driver.findElement(By.id("loop")).click();
            driver.findElement(By.id("play")).click();
            await(() -> currentTime() > 0.3);
            double t1 = currentTime();
            await(() -> currentTime() > t1 + 0.3 || currentTime() < t1); // later, or wrapped past the end
            await(() -> level() > 0.05);
            screenshot("3-playing");

            // mute one stem: its gain node is 0, the others stay 1
            stemButton("vocals", "mute").click();
            await(() -> "0".equals(gain("vocals")));
            assertEquals("1", gain("drums"));
            // solo drums: everything but drums is silent
            stemButton("drums", "solo").click();
            await(() -> "0".equals(gain("bass")));
            assertEquals("1", gain("drums"));
            assertEquals("0", gain("other"));
            stemButton("drums", "mute").click();
            await(() -> "0".equals(gain("drums")));
            await(() -> level() < 1e-4);  // every stem silent: the output is silent
            stemButton("drums", "mute").click();
            stemButton("drums", "solo").click();
            await(() -> "1".equals(gain("bass")) && "1".equals(gain("drums")) && "0".equals(gain("vocals")));
            await(() -> level() > 0.02);

            // pause holds the position; a click on a waveform seeks
            driver.findElement(By.id("play")).click();
            await(() -> "false".equals(driver.findElement(By.id("play")).getAttribute("aria-pressed")));
            double paused = currentTime();
            screenshot("3b-paused");
            assertEquals(paused, currentTime(), "the position holds while paused");
            driver.findElement(By.id("seek")).sendKeys(Keys.HOME); // keyboard seek to the start
            await(() -> currentTime() == 0);
            WebElement canvas = driver.findElement(By.cssSelector("li.stem[data-stem='bass'] canvas"));
            new Actions(driver).moveToElement(canvas).click().perform(); // the middle of the waveform
            await(() -> Math.abs(currentTime() - duration / 2) < 0.3);

            // downloads: the stem and the mono MP3, byte-identical to the API's answers
            driver.findElement(By.cssSelector("li.stem[data-stem='vocals'] a.download")).click();
            assertArrayEquals(apiBytes(client, id, "segment_000_vocals.wav"), downloaded("segment_000_vocals.wav"));
            driver.findElement(By.cssSelector("#downloads a.download[data-file='instrumental.mp3']")).click();
            assertArrayEquals(apiBytes(client, id, "instrumental.mp3"), downloaded("instrumental.mp3"));

            assertEquals(List.of(), unlabelled(), "every player control has a label");

            // the history lists the job as completed
            await(() -> driver.findElements(By.cssSelector("#history tr[data-job-id='" + id + "'] td.status-completed")).size() == 1);
            screenshot("4-after");

            // phone width: nothing wider than the screen
            driver.manage().window().setSize(new Dimension(375, 800));
            await(() -> ((Number) js("return document.documentElement.scrollWidth")).intValue()
                    <= ((Number) js("return window.innerWidth")).intValue());
            js("document.getElementById('player').scrollIntoView()");
            screenshot("5-phone");

            // delete from the history: the API forgets the job
            driver.manage().window().setSize(new Dimension(1280, 1400));
            driver.findElement(By.cssSelector("#history tr[data-job-id='" + id + "'] button[aria-label^='Delete']")).click();
            await(() -> client.get("/job/" + id).statusCode() == 404);
            await(() -> driver.findElement(By.id("player")).getAttribute("hidden") != null);
        }
    }

    @Test
    void withATokenThePageAsksForItAndThenWorks() throws Exception {
        String token = "page-t0ken-4711";
        Path wav = dir.resolve("short.wav");
        TestSupport.writeWav(wav, 3);
        try (DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).bearerToken(token).build()).start()) {
            TestSupport.Client client = new TestSupport.Client(server);
            client.awaitModel();
            driver.get("http://127.0.0.1:" + server.port() + "/");
            WebElement prompt = driver.findElement(By.id("auth-prompt"));
            await(prompt::isDisplayed);
            assertTrue(prompt.getText().contains("needs an API token"), prompt.getText());
            assertEquals("token", driver.switchTo().activeElement().getAttribute("id"), "focus moves to the token field");
            screenshot("6-token-prompt");

            // a wrong token is refused with the same prompt
            driver.findElement(By.id("token")).sendKeys("wrong");
            driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
            await(() -> prompt.isDisplayed() && prompt.getText().contains("not accepted"));

            WebElement field = driver.findElement(By.id("token"));
            field.clear();
            field.sendKeys(token);
            driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
            await(() -> !prompt.isDisplayed() && text("server-status").contains("ready"));
            assertEquals(token, js("return sessionStorage.getItem('demucs.token')"));

            // a reload keeps the token for this tab
            driver.navigate().refresh();
            await(() -> text("server-status").contains("ready"));
            assertFalse(driver.findElement(By.id("auth-prompt")).isDisplayed());

            driver.findElement(By.id("file")).sendKeys(wav.toString());
            driver.findElement(By.id("submit")).click();
            WebElement card = new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#active li.job")).stream().findFirst().orElse(null));
            String id = card.getAttribute("data-job-id");
            await(() -> "completed".equals(card.getAttribute("data-status")));
            // the default two-stem split: vocals and the rest
            await(() -> driver.findElements(By.cssSelector("#stems li.stem[data-gain]")).size() == 2);
            driver.findElement(By.cssSelector("li.stem[data-stem='instrum'] a.download")).click();
            assertArrayEquals(apiBytes(client, id, "segment_000_instrum.wav"), downloaded("segment_000_instrum.wav"));
            driver.findElement(By.id("play")).sendKeys(Keys.SPACE); // keyboard operation
            await(() -> currentTime() > 0.3);
            screenshot("7-token-after");

            // the token went only into headers: no URL the page requested holds it
            String urls = (String) js("return performance.getEntries().map(e => e.name).join(' ') + ' ' + location.href");
            assertFalse(urls.contains(token), urls);
        }
    }

    @Test
    void urlJobShowsItsDownloadPhaseAndCanBeCancelled() throws Exception {
        Path wav = dir.resolve("remote.wav");
        TestSupport.writeWav(wav, 3);
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
                DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).build()).start()) {
            inputs.put("remote.wav", wav);
            TestSupport.Client client = new TestSupport.Client(server);
            client.awaitModel();
            driver.get("http://127.0.0.1:" + server.port() + "/");
            await(() -> text("server-status").contains("ready"));

            // a file dropped on the box becomes the file to upload; a file and a URL together are refused
            js("const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(2048)], 'dropped.wav', {type: 'audio/wav'}));"
                    + "document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));");
            assertEquals("dropped.wav (2.0 KiB)", text("file-name"));
            assertEquals(1L, js("return document.getElementById('file').files.length"));
            driver.findElement(By.id("url")).sendKeys(inputs.url("/stall/remote.wav"));
            driver.findElement(By.id("submit")).click();
            await(() -> driver.findElement(By.id("error")).isDisplayed() && text("error").contains("either a file or a URL"));
            js("document.getElementById('file').value = ''");

            // bad options are refused on the page, before any request
            driver.findElement(By.id("shifts")).sendKeys("99");
            driver.findElement(By.id("submit")).click();
            await(() -> driver.findElement(By.id("error")).isDisplayed() && text("error").contains("shifts must be"));
            assertEquals(0, client.json("/jobs").get("total").asInt());

            // the input stalls after 1 KiB, so the job waits in its download phase
            driver.findElement(By.id("shifts")).clear();
            driver.findElement(By.id("two_stems")).sendKeys("drums");
            driver.findElement(By.id("submit")).click();
            WebElement card = new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#active li.job")).stream().findFirst().orElse(null));
            String id = card.getAttribute("data-job-id");
            assertEquals("drums", client.json("/job/" + id).get("request").get("two_stems").asText(), "the option reached the API");
            await(() -> "running".equals(card.getAttribute("data-status")) && card.getText().contains("downloading"));
            card.findElement(By.cssSelector("button.cancel")).click();
            await(() -> client.get("/job/" + id).statusCode() == 404);
            await(() -> driver.findElements(By.cssSelector("#active li.job")).isEmpty());
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private interface Check {
        boolean holds() throws Exception;
    }

    private void await(Check check) {
        new WebDriverWait(driver, WAIT).ignoring(RuntimeException.class).until(d -> {
            try {
                return check.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Ids (or tags) of visible form controls without an accessible name. */
    @SuppressWarnings("unchecked")
    private List<String> unlabelled() {
        return (List<String>) js("return [...document.querySelectorAll('input, select, button, textarea')]"
                + ".filter(e => e.offsetParent !== null)"
                + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))"
                + ".map(e => e.id || e.outerHTML)");
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private double currentTime() {
        return Double.parseDouble(driver.findElement(By.id("time")).getAttribute("data-current-time"));
    }

    private double level() {
        String v = driver.findElement(By.id("player")).getAttribute("data-level");
        return v == null ? 0 : Double.parseDouble(v);
    }

    private String gain(String stem) {
        return driver.findElement(By.cssSelector("li.stem[data-stem='" + stem + "']")).getAttribute("data-gain");
    }

    private WebElement stemButton(String stem, String kind) {
        return driver.findElement(By.cssSelector("li.stem[data-stem='" + stem + "'] button." + kind));
    }

    /** Share of the waveform canvas's pixels that are painted. */
    private double waveformInk(String stem) {
        Object share = js("const c = document.querySelector(\"li.stem[data-stem='" + stem + "'] canvas\");"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                + "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n / (c.width * c.height);");
        return ((Number) share).doubleValue();
    }

    private static byte[] apiBytes(TestSupport.Client client, String id, String name) {
        HttpResponse<byte[]> r = client.sendBytes(client.request("/result/" + id + "/" + name).GET().build());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The bytes of a finished download (Chrome writes NAME.crdownload, then renames it). */
    private byte[] downloaded(String name) throws IOException {
        Path file = downloads.resolve(name);
        await(() -> {
            if (!Files.isRegularFile(file)) {
                return false;
            }
            try (Stream<Path> s = Files.list(downloads)) {
                return s.noneMatch(p -> p.getFileName().toString().endsWith(".crdownload"));
            }
        });
        return Files.readAllBytes(file);
    }

    private void screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve("web-" + name + ".png"), png);
    }
}
