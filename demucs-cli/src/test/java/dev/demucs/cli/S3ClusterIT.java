package dev.demucs.cli;

import static dev.demucs.cli.ClusterIT.await;
import static dev.demucs.cli.ClusterIT.get;
import static dev.demucs.cli.ClusterIT.post;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.demucs.testing.ServeProcess;
import dev.demucs.testing.TestPostgres;
import dev.demucs.testing.TestS3Server;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --files s3://…}: two real {@code serve} processes share one PostgreSQL queue and
 * one bucket on a real S3 API server (S3Proxy, loopback). Node A receives an upload while its
 * only worker is held by a job whose input never arrives, so node B, started afterwards, runs
 * the upload's job from the bucket; both nodes then serve every result file, byte for byte what
 * the bucket holds (read from S3Proxy's own folder, not through our client), and DELETE removes
 * the job's objects, also of a job running on the other node.
 */
class S3ClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String BUCKET = "cluster";
    private static final String LOCATION = "s3://" + BUCKET + "/demucs";

    @TempDir
    Path dir;

    @Test
    void anUploadToOneNodeRunsOnAnotherAndEveryNodeServesItsFilesFromTheBucket() throws Exception {
        assumeTrue(TestPostgres.available(), TestPostgres.WHY_SKIPPED);
        CliFixture fx = new CliFixture(dir, 1.0);
        List<ServeProcess> nodes = new ArrayList<>();
        try (TestPostgres pg = TestPostgres.start(); TestS3Server s3 = TestS3Server.start(dir.resolve("s3"));
             ClusterIT.Inputs inputs = new ClusterIT.Inputs(Files.readAllBytes(fx.input))) {
            s3.createBucket(BUCKET);
            Path jobs = s3.bucketDir(BUCKET).resolve("demucs").resolve("jobs");
            Map<String, String> env = Map.of("DEMUCS_STORE", pg.jdbcUrl(), "DEMUCS_FILES", LOCATION,
                    "AWS_ENDPOINT_URL_S3", s3.endpoint().toString(), "AWS_REGION", TestS3Server.REGION,
                    "AWS_ACCESS_KEY_ID", TestS3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", TestS3Server.SECRET_KEY);

            nodes.add(node("a", fx, env));
            String a = nodes.get(0).base();
            await(() -> Optional.of(get(a, "/status")).filter(s -> s.path("models_ready").asBoolean()), "node a to load its model");
            String held = post(a, inputs.url("/stall/held.wav"));
            await(() -> Optional.of(get(a, "/job/" + held)).filter(j -> j.path("status").asText().equals("running")),
                    "node a's worker to hold the stalled job");

            HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(a + "/job"))
                    .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofFile(fx.input)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, posted.statusCode(), posted.body());
            String id = JSON.readTree(posted.body()).get("job_id").asText();
            assertEquals("pending", get(a, "/job/" + id).get("status").asText(), "node a's only worker is busy");
            assertArrayEquals(Files.readAllBytes(fx.input), Files.readAllBytes(jobs.resolve(id).resolve("input/upload.wav")),
                    "the upload is in the bucket before any node runs it");

            nodes.add(node("b", fx, env));
            String b = nodes.get(1).base();
            JsonNode done = await(() -> Optional.of(get(b, "/job/" + id)).filter(j -> j.path("status").asText().equals("completed")),
                    "node b to run the upload's job");
            assertTrue(done.get("files").size() > 1, done.toString());
            // the input is dropped after the job is recorded completed: wait for that, not for luck
            await(() -> Optional.of(true).filter(x -> !Files.exists(jobs.resolve(id).resolve("input/upload.wav"))),
                    "the input to go once the job completed");
            for (JsonNode f : done.get("files")) {
                byte[] stored = Files.readAllBytes(jobs.resolve(id).resolve(f.get("path").asText()));
                for (String node : List.of(a, b)) {
                    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(node + f.get("url").asText())).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, r.statusCode(), node + f.get("url").asText());
                    assertArrayEquals(stored, r.body(), node + f.get("url").asText());
                }
            }
            HttpResponse<byte[]> range = HTTP.send(HttpRequest.newBuilder(URI.create(a + "/result/" + id))
                    .header("Range", "bytes=100-1099").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(206, range.statusCode());
            assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(jobs.resolve(id).resolve("instrumental.mp3")), 100, 1100),
                    range.body(), "a byte range of the instrumental, streamed by the node that did not make it");

            // DELETE on one node removes the objects; for the held job, the node running it stops and removes them
            for (String[] del : new String[][] {{b, id}, {b, held}}) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(del[0] + "/job/" + del[1])).DELETE().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertFalse(JSON.readTree(r.body()).has("not_removed"), r.body());
                assertEquals(List.of(), objects(jobs.resolve(del[1])), "job " + del[1] + "'s objects are gone");
            }
            await(() -> Optional.of(get(a, "/status")).filter(st -> st.path("active_jobs").asInt() == 0),
                    "node a's worker to let go of the deleted job");
        } catch (AssertionError | Exception e) {
            for (ServeProcess n : nodes) {
                System.out.println("---- " + n.log + "\n" + (Files.exists(n.log) ? Files.readString(n.log) : "(no output)"));
            }
            throw e;
        } finally {
            for (ServeProcess n : nodes) {
                n.stop();
            }
        }
    }

    private ServeProcess node(String id, CliFixture fx, Map<String, String> env) throws IOException {
        Path data = Files.createDirectories(dir.resolve("node-" + id));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("DEMUCS_NODE_ID", id);
        return ServeProcess.start(ServeProcess.fromClassPath(), List.of("--data-dir", data.toString(), "--model", fx.model.toString(), "--device", "cpu",
                "--threads", "1", "--workers", "1", "--allow-private-urls", "--shutdown-grace", "0",
                "--lease-seconds", "5", "--heartbeat-seconds", "0.5", "--poll-seconds", "0.2"), all, data.resolve("serve.log"));
    }

    /** The regular files left under a folder of the bucket (none when it is gone). */
    private static List<Path> objects(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
