package dev.demucs.ffmpeg;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding from a real HTTP server on loopback (JDK HttpServer). */
class HttpInputTest {

    private static final String SECRET_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature="
            + "0123456789abcdef".repeat(8) + "&X-Amz-Expires=3600&response-content-type=audio%2Fmpeg";
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    @TempDir
    static Path dir;

    static HttpServer server;
    static ExecutorService executor;
    static String base;
    static Path mp3;
    static Path m4a;
    static final List<String> rangeRequests = new CopyOnWriteArrayList<>();
    static final List<String> seenQueries = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        Cli.assumeAvailable();
        mp3 = dir.resolve("song.mp3");
        Cli.ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=44100:duration=6:amplitude=0.4:seed=4",
                "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", mp3.toString());
        m4a = dir.resolve("song.m4a");
        Cli.ffmpeg("-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=44100:duration=6:amplitude=0.4:seed=4",
                "-ac", "2", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", m4a.toString());

        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/files/", ex -> serve(ex, file(ex, "/files/"), true));
        server.createContext("/norange/", ex -> serve(ex, file(ex, "/norange/"), false));
        server.createContext("/signed/", ex -> {
            seenQueries.add(ex.getRequestURI().getRawQuery());
            if (!SECRET_QUERY.equals(ex.getRequestURI().getRawQuery())) {
                status(ex, 403);
                return;
            }
            serve(ex, file(ex, "/signed/"), true);
        });
        server.createContext("/redirect/", ex -> {
            ex.getResponseHeaders().add("Location", "/files/" + ex.getRequestURI().getPath().substring(10));
            status(ex, 302);
        });
        server.createContext("/missing/", ex -> status(ex, 404));
        server.createContext("/forbidden/", ex -> status(ex, 403));
        server.createContext("/stall-body/", ex -> {
            byte[] data = Files.readAllBytes(mp3);
            ex.getResponseHeaders().add("Content-Type", "audio/mpeg");
            ex.sendResponseHeaders(200, data.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data, 0, 32 * 1024);
                out.flush();
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // client gave up
            }
        });
        server.createContext("/stall-headers/", ex -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private static Path file(HttpExchange ex, String prefix) {
        return dir.resolve(ex.getRequestURI().getPath().substring(prefix.length()));
    }

    private static void status(HttpExchange ex, int code) throws IOException {
        ex.sendResponseHeaders(code, -1);
        ex.close();
    }

    private static void serve(HttpExchange ex, Path file, boolean ranges) throws IOException {
        if (!Files.isRegularFile(file)) {
            status(ex, 404);
            return;
        }
        byte[] data = Files.readAllBytes(file);
        String range = ex.getRequestHeaders().getFirst("Range");
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        int from = 0;
        int to = data.length - 1;
        int code = 200;
        if (ranges) {
            ex.getResponseHeaders().add("Accept-Ranges", "bytes");
            if (range != null) {
                rangeRequests.add(range);
                Matcher m = RANGE.matcher(range);
                if (m.matches()) {
                    from = Integer.parseInt(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        to = Math.min(to, Integer.parseInt(m.group(2)));
                    }
                    if (from >= data.length) {
                        ex.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
                        status(ex, 416);
                        return;
                    }
                    code = 206;
                    ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
                }
            }
        }
        int length = to - from + 1;
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(code, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(code, length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(data, from, length);
        } catch (IOException e) {
            // the client closed early
        }
    }

    private static float[][] decode(String url, DecodeOptions options) {
        try (AudioSource s = FfmpegInput.of(url, 44100, 2, options).open()) {
            return Cli.readAll(s);
        }
    }

    private static float[][] local(Path file) {
        try (AudioSource s = FfmpegInput.of(file.toString(), 44100, 2).open()) {
            return Cli.readAll(s);
        }
    }

    private static MediaIOException failure(String url, DecodeOptions options) {
        FfmpegInput input = FfmpegInput.of(url, 44100, 2, options);
        MediaIOException e = assertThrows(MediaIOException.class, () -> {
            try (AudioSource s = input.open()) {
                Cli.readAll(s);
            }
        });
        assertTrue(e.getMessage().startsWith(input.description() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    @Test
    void decodesOverHttpLikeTheLocalFile() {
        float[][] expected = local(mp3);
        float[][] actual = decode(base + "/files/song.mp3", DecodeOptions.defaults());
        assertArrayEquals(expected[0], actual[0]);
        assertArrayEquals(expected[1], actual[1]);
        MediaInfo info = FfmpegInput.of(base + "/files/song.mp3", 44100, 2).probe();
        assertEquals("mp3", info.codec());
        assertEquals(6.0, info.durationSeconds(), 0.1);
    }

    @Test
    void serverWithoutRangeSupport() {
        for (Path file : new Path[] {mp3, m4a}) {
            float[][] expected = local(file);
            float[][] actual = decode(base + "/norange/" + file.getFileName(), DecodeOptions.defaults());
            assertArrayEquals(expected[0], actual[0], file.toString());
            assertArrayEquals(expected[1], actual[1], file.toString());
        }
    }

    @Test
    void signedUrlQueryIsSentIntactAndNeverShown() {
        String url = base + "/signed/song.m4a?" + SECRET_QUERY;
        float[][] expected = local(m4a);
        float[][] actual = decode(url, DecodeOptions.defaults());
        assertArrayEquals(expected[0], actual[0]);
        assertTrue(seenQueries.contains(SECRET_QUERY));
        FfmpegInput input = FfmpegInput.of(url, 44100, 2);
        assertEquals(base + "/signed/song.m4a", input.description());
        assertFalse(input.toString().contains("Signature"));
        // a wrong signature: 403, and the message does not leak the query
        MediaIOException e = failure(base + "/signed/song.m4a?X-Amz-Signature=bad", DecodeOptions.defaults());
        assertEquals(Reason.HTTP_FORBIDDEN, e.mediaReason());
        assertFalse(e.getMessage().contains("Signature"), e.getMessage());
    }

    @Test
    void redirectsAreFollowed() {
        float[][] expected = local(mp3);
        float[][] actual = decode(base + "/redirect/song.mp3", DecodeOptions.defaults());
        assertArrayEquals(expected[0], actual[0]);
    }

    @Test
    void notFound() {
        MediaIOException e = failure(base + "/missing/song.mp3", DecodeOptions.defaults());
        assertEquals(Reason.HTTP_NOT_FOUND, e.mediaReason());
        assertTrue(e.getMessage().contains("404"), e.getMessage());
    }

    @Test
    void forbidden() {
        MediaIOException e = failure(base + "/forbidden/song.mp3", DecodeOptions.defaults());
        assertEquals(Reason.HTTP_FORBIDDEN, e.mediaReason());
        assertTrue(e.getMessage().contains("403"), e.getMessage());
    }

    @Test
    void connectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        MediaIOException e = failure("http://127.0.0.1:" + port + "/song.mp3", DecodeOptions.defaults());
        assertEquals(Reason.UNREACHABLE, e.mediaReason());
    }

    @Test
    @Timeout(30)
    void stallAfterSomeDataTimesOut() {
        DecodeOptions quick = new DecodeOptions(Duration.ofSeconds(2), Duration.ofMillis(1500));
        long t0 = System.nanoTime();
        MediaIOException e = failure(base + "/stall-body/song.mp3", quick);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(Reason.TIMEOUT, e.mediaReason(), e.getMessage());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(seconds < 15, "took " + seconds + " s");
    }

    @Test
    @Timeout(30)
    void stallBeforeHeadersTimesOut() {
        DecodeOptions quick = new DecodeOptions(Duration.ofSeconds(1), Duration.ofSeconds(1));
        long t0 = System.nanoTime();
        MediaIOException e = failure(base + "/stall-headers/song.mp3", quick);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(Reason.TIMEOUT, e.mediaReason(), e.getMessage());
        assertTrue(seconds < 10, "took " + seconds + " s");
    }
}
