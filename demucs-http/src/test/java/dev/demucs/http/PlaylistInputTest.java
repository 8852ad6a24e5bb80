package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: an m3u8 playlist or an ffconcat list naming a local audio file (here another job's
 * result) fails with a one-line error, uploaded or fetched from input_url, and nothing of the
 * listed file appears in any output.
 */
class PlaylistInputTest {

    private static void assertFailedWithoutOutput(TestSupport.Client c, Path data, String id, String format) throws Exception {
        JsonNode failed = c.awaitStatus(id, "failed");
        String error = failed.get("error").asText();
        assertTrue(error.contains("format '" + format + "'") && error.contains("not accepted"), failed.toString());
        assertFalse(error.contains("\n"));
        try (Stream<Path> files = Files.walk(data.resolve("jobs").resolve(id))) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".mp3") || p.toString().endsWith(".wav")
                    || p.toString().endsWith(".m4a")), "no audio output in the failed job");
        }
    }

    @Test
    void playlistsAreRefusedUploadedAndByUrl(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("secret.wav");
        TestSupport.writeWav(wav, 2);
        Path data = dir.resolve("data");
        String m3u8 = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n"
                + wav.toAbsolutePath() + "\n#EXT-X-ENDLIST\n";
        Path list = Files.writeString(dir.resolve("list.m3u8"), m3u8);
        Files.copy(wav, dir.resolve("song.wav"));
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile 'song.wav'\n");
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).allowPrivateUrls(true).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            inputs.put("list.m3u8", list);
            inputs.put("list.ffconcat", concat);
            assertFailedWithoutOutput(c, data, c.submit(inputs.url("/files/list.m3u8"), null), "hls");
            assertFailedWithoutOutput(c, data, c.submit(inputs.url("/files/list.ffconcat"), null), "concat");

            String boundary = "b0undary";
            byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.m3u8\"\r\n"
                    + "Content-Type: application/vnd.apple.mpegurl\r\n\r\n" + m3u8 + "\r\n--" + boundary + "--\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> up = c.send(c.request("/job").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertEquals(201, up.statusCode(), up.body());
            assertFailedWithoutOutput(c, data, TestSupport.parse(up).get("job_id").asText(), "hls");
        }
    }
}
