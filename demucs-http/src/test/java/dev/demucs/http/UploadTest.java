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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs from uploaded audio: a raw body with options in the query, and multipart/form-data. */
class UploadTest {

    @Test
    void rawAndMultipartUploadsRunToCompletion(@TempDir Path dir) throws Exception {
        Path wav = dir.resolve("up.wav");
        TestSupport.writeWav(wav, 5);
        byte[] audio = Files.readAllBytes(wav);
        Path data = dir.resolve("data");
        try (DemucsServer server = DemucsServer.create(TestSupport.config(data).maxInputBytes(audio.length).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();

            // raw body, options in the query string
            HttpResponse<String> raw = c.send(c.request("/job?interval_cut=2&job_id=raw-1").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(audio)).build());
            assertEquals(201, raw.statusCode(), raw.body());
            assertEquals("raw-1", TestSupport.parse(raw).get("job_id").asText());

            // multipart: fields before and after the file
            String boundary = "----demucs-test-boundary";
            byte[] body = TestSupport.concat(
                    ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"all_stems\"\r\n\r\ntrue\r\n"
                            + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"My Song.wav\"\r\n"
                            + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8),
                    audio,
                    ("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"interval_cut\"\r\n\r\n3\r\n--" + boundary + "--\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> mp = c.send(c.request("/job").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertEquals(201, mp.statusCode(), mp.body());
            String mpId = TestSupport.parse(mp).get("job_id").asText();

            JsonNode rawDone = c.awaitStatus("raw-1", "completed");
            assertEquals(2, rawDone.get("details").get("total_segments").asInt());
            JsonNode mpDone = c.awaitStatus(mpId, "completed");
            assertEquals(2, mpDone.get("details").get("total_segments").asInt());
            assertEquals("My Song.wav", mpDone.get("request").get("upload_name").asText());
            assertTrue(mpDone.get("request").get("all_stems").asBoolean());
            assertTrue(mpDone.get("files").toString().contains("segment_001_drums.wav"), "all_stems honoured");
            assertEquals(200, c.sendBytes(c.request("/result/" + mpId).GET().build()).statusCode());
            assertFalse(Files.exists(data.resolve("jobs").resolve(mpId).resolve("input").resolve("upload.wav")),
                    "the upload is removed once the job completed");

            // one byte over the limit: 413, and nothing is left behind
            byte[] over = TestSupport.concat(audio, new byte[1]);
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(over)).build()), 413);
            byte[] overMp = TestSupport.concat(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8), over, ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(overMp)).build()), 413);
            // multipart without a file, and a bad field value in an upload
            TestSupport.assertError(c.send(c.request("/job").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"all_stems\"\r\n\r\ntrue\r\n--" + boundary + "--\r\n")).build()), 400);
            TestSupport.assertError(c.send(c.request("/job?interval_cut=abc").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(audio)).build()), 400);
            TestSupport.assertError(c.send(c.request("/job?input_url=http://x/a.mp3").header("Content-Type", "audio/wav")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(audio)).build()), 400);
            assertEquals(2, c.json("/jobs").get("total").asInt());
            try (var s = Files.list(data.resolve("trash"))) {
                assertEquals(0, s.count(), "no temporary upload left");
            }
        }
    }
}
