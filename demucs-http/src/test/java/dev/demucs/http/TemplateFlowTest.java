package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The template's curl flow end to end on a real server: health, status, POST /job with an
 * input served on loopback, poll until completed, download /result/{id} and decode it with the
 * ffmpeg command, /jobs lists it; plus every result file, byte ranges, HEAD and the job log.
 */
class TemplateFlowTest {

    @Test
    void curlFlow(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestSupport.ffmpegAvailable(), "needs the ffmpeg command (apt-get install ffmpeg) to decode results");
        Path wav = dir.resolve("song.wav");
        double seconds = 9.5;
        double[] mono = TestSupport.writeWav(wav, seconds);
        Path data = dir.resolve("data");
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(data).build()).start()) {
            inputs.put("song.wav", wav);
            TestSupport.Client c = new TestSupport.Client(server);

            // curl http://localhost:8185/health
            assertEquals("ok", c.json("/health").get("status").asText());
            // curl http://localhost:8185/status
            c.awaitModel();
            JsonNode status = c.json("/status");
            for (String f : new String[] {"models_ready", "active_jobs", "queued_jobs", "workers", "device", "version"}) {
                assertTrue(status.has(f), "status has " + f + ": " + status);
            }
            assertEquals(1, status.get("workers").asInt());
            assertEquals("cpu", status.get("device").asText());

            // curl -X POST /job -d '{"input_url": "...", "interval_cut": "4"}'
            HttpResponse<String> created = c.postJson("/job", "{\"input_url\": \"" + inputs.url("/files/song.wav")
                    + "?sig=secret\", \"interval_cut\": \"4\", \"all_stems\": true}");
            assertEquals(201, created.statusCode(), created.body());
            JsonNode job = TestSupport.parse(created);
            String id = job.get("job_id").asText();
            assertTrue(id.matches("[0-9a-f]{32}"), "random 128-bit id: " + id);
            assertEquals("pending", job.get("status").asText());
            assertEquals("/job/" + id, created.headers().firstValue("Location").orElse(""));

            // curl /job/{id} until completed
            JsonNode done = c.awaitStatus(id, "completed");
            assertEquals("completed", done.get("state").asText());
            assertFalse(done.has("phase"), "phase is shown for running jobs only: " + done);
            for (String task : new String[] {"models", "cutting", "inference", "conversion"}) {
                assertTrue(done.get("tasks").has(task), "tasks." + task);
            }
            assertTrue(done.get("timestamp").isNumber() && done.get("elapsed_seconds").isNumber());
            JsonNode details = done.get("details");
            assertTrue(details.get("models_ready").asBoolean());
            assertEquals(2, details.get("total_segments").asInt());
            assertEquals(2, details.get("completed_segments").asInt());
            assertEquals(100.0, details.get("percent").asDouble(), 1e-9);
            assertEquals("/result/" + id, done.get("result_url").asText());
            assertFalse(done.toString().contains("secret"), "signed URL query strings are not shown");

            String raw = c.get("/job/" + id).body();
            assertTrue(raw.matches("(?s).*\"timestamp\" : \\d+\\.\\d+,.*"), "timestamp as a plain decimal, as in progress.txt: " + raw);
            // the progress fields equal progress.txt on disk
            JsonNode onDisk = Json.MAPPER.readTree(data.resolve("jobs").resolve(id).resolve("progress.txt").toFile());
            onDisk.fieldNames().forEachRemaining(f -> assertEquals(onDisk.get(f), done.get(f), f));

            List<String> names = new ArrayList<>();
            done.get("files").forEach(f -> names.add(f.get("name").asText()));
            for (String expected : new String[] {"instrumental.mp3", "segment_000.m4a", "segment_001.m4a",
                    "segment_000_vocals.wav", "segment_000_instrum.wav", "segment_001_vocals.wav", "segment_000_drums.wav",
                    "segment_001_bass.wav", "segment_001_other.wav"}) {
                assertTrue(names.contains(expected), expected + " in " + names);
            }

            // curl -o instrumental.mp3 /result/{id}
            HttpResponse<byte[]> mp3 = c.sendBytes(c.request("/result/" + id).GET().build());
            assertEquals(200, mp3.statusCode());
            assertEquals("audio/mpeg", mp3.headers().firstValue("Content-Type").orElse(""));
            assertEquals(mp3.body().length, Long.parseLong(mp3.headers().firstValue("Content-Length").orElse("-1")));
            assertEquals("bytes", mp3.headers().firstValue("Accept-Ranges").orElse(""));
            Path downloaded = dir.resolve("instrumental.mp3");
            Files.write(downloaded, mp3.body());
            assertArrayEquals(Files.readAllBytes(data.resolve("jobs").resolve(id).resolve("instrumental.mp3")), mp3.body());
            double[] decoded = TestSupport.decodeMono(downloaded);
            assertEquals(seconds, decoded.length / (double) TestSupport.SAMPLE_RATE, 0.1, "duration of the instrumental");
            // gain model: drums = bass = other = 0.25·mix (+ the mean, ~0 here) → instrumental = 0.75·mono(mix)
            double expectedRms = 0.75 * TestSupport.rms(mono);
            assertEquals(expectedRms, TestSupport.rms(decoded), 0.05 * expectedRms, "instrumental level");

            // same file through the template's ?file= and through /result/{id}/{name}
            assertArrayEquals(mp3.body(), c.sendBytes(c.request("/result/" + id + "?file=instrumental.mp3").GET().build()).body());
            HttpResponse<byte[]> vocals = c.sendBytes(c.request("/result/" + id + "/segment_000_vocals.wav").GET().build());
            assertEquals(200, vocals.statusCode());
            assertEquals("audio/wav", vocals.headers().firstValue("Content-Type").orElse(""));
            byte[] vocalsOnDisk = Files.readAllBytes(data.resolve("jobs").resolve(id).resolve("demucs_results").resolve("segment_000_vocals.wav"));
            assertArrayEquals(vocalsOnDisk, vocals.body());
            HttpResponse<byte[]> seg = c.sendBytes(c.request("/result/" + id + "/segment_001.m4a").GET().build());
            assertEquals("audio/mp4", seg.headers().firstValue("Content-Type").orElse(""));
            Path segFile = dir.resolve("segment_001.m4a");
            Files.write(segFile, seg.body());
            assertEquals(seconds - 4, TestSupport.decodeMono(segFile).length / (double) TestSupport.SAMPLE_RATE, 0.1);

            // byte ranges
            HttpResponse<byte[]> part = c.sendBytes(c.request("/result/" + id + "/segment_000_vocals.wav").header("Range", "bytes=10-99").GET().build());
            assertEquals(206, part.statusCode());
            assertEquals("bytes 10-99/" + vocalsOnDisk.length, part.headers().firstValue("Content-Range").orElse(""));
            assertArrayEquals(Arrays.copyOfRange(vocalsOnDisk, 10, 100), part.body());
            HttpResponse<byte[]> tail = c.sendBytes(c.request("/result/" + id + "/segment_000_vocals.wav").header("Range", "bytes=-16").GET().build());
            assertEquals(206, tail.statusCode());
            assertArrayEquals(Arrays.copyOfRange(vocalsOnDisk, vocalsOnDisk.length - 16, vocalsOnDisk.length), tail.body());
            HttpResponse<byte[]> open = c.sendBytes(c.request("/result/" + id).header("Range", "bytes=100-").GET().build());
            assertArrayEquals(Arrays.copyOfRange(mp3.body(), 100, mp3.body().length), open.body());
            HttpResponse<byte[]> head = c.sendBytes(c.request("/result/" + id).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.statusCode());
            assertEquals(0, head.body().length);

            // files that are not results, or do not exist
            TestSupport.assertError(c.get("/result/" + id + "/job.json"), 404);
            TestSupport.assertError(c.get("/result/" + id + "/..%2Fjob.json"), 404);
            TestSupport.assertError(c.get("/result/" + id + "/segment_009.m4a"), 404);
            TestSupport.assertError(c.get("/result/" + id + "?file=../job.json"), 404);

            // curl /jobs
            JsonNode jobs = c.json("/jobs");
            assertEquals(1, jobs.get("total").asInt());
            assertEquals(id, jobs.get("jobs").get(0).get("job_id").asText());
            assertEquals("completed", jobs.get("jobs").get(0).get("status").asText());
            assertEquals(1, c.json("/status").get("completed_jobs").asInt());

            // the job log, from an offset
            JsonNode logs = c.json("/job/" + id + "/logs");
            assertTrue(logs.get("logs").asText().contains("completed"), logs.toString());
            JsonNode more = c.json("/job/" + id + "/logs?offset=" + logs.get("offset").asLong());
            assertEquals("", more.get("logs").asText());
            // the downloaded input was removed once the job completed
            assertFalse(Files.exists(data.resolve("jobs").resolve(id).resolve("input").resolve("source.wav")));
        }
    }
}
