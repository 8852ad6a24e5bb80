package dev.demucs.cluster.s3;

import dev.demucs.testing.TestS3Server;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.JobLayout;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.queue.JobExistsException;
import dev.demucs.job.queue.JobBackends;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.NodeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers' job files on one bucket, each made the way {@code serve --files s3://…} makes them
 * ({@link JobBackends#files} finds {@link S3FilesProvider}; settings from the environment), each
 * with its own client and local folder, against a real S3-compatible server: what one writes, the
 * other reads.
 */
class S3JobFilesTest {
    private static final String LOCATION = "s3://cluster/demucs";

    @TempDir
    static Path serverDir;
    private static TestS3Server server;
    /** A third client, to look at the bucket directly. */
    private static S3ObjectStore inspect;

    @TempDir
    Path temp;
    private JobFiles nodeA;
    private JobFiles nodeB;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestS3Server.start(serverDir.resolve("s3"));
        server.createBucket("cluster");
        inspect = S3ObjectStore.create(S3Testing.settings(server, LOCATION).build());
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (inspect != null) {
            inspect.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Map<String, String> env() {
        return Map.of("AWS_ENDPOINT_URL_S3", server.endpoint().toString(), "AWS_REGION", TestS3Server.REGION,
                "AWS_ACCESS_KEY_ID", TestS3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", TestS3Server.SECRET_KEY);
    }

    private static JobFiles node(String location, Path dataDir, Map<String, String> env) {
        return JobBackends.files(location, new NodeSettings("node-" + dataDir.getFileName(), 1, NodeSettings.DEFAULT_LEASE,
                NodeSettings.DEFAULT_HEARTBEAT, NodeSettings.DEFAULT_POLL, dataDir, env));
    }

    @BeforeEach
    void twoNodes() {
        nodeA = node(LOCATION, temp.resolve("node-a"), env());
        nodeB = node(LOCATION, temp.resolve("node-b"), env());
    }

    @AfterEach
    void closeNodes() {
        nodeA.close();
        nodeB.close();
    }

    private static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theProviderIsChosenByTheLocationAndChecksTheBucketAtOnce() {
        assertTrue(nodeA instanceof S3JobFiles);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> node("s3://Cluster/x", temp.resolve("n"), env()));
        assertTrue(bad.getMessage().startsWith("'s3://Cluster/x' is not a usable S3 location: bucket name 'Cluster'"), bad.getMessage());
        UncheckedIOException missing = assertThrows(UncheckedIOException.class,
                () -> node("s3://no-bucket/x", temp.resolve("n"), env()));
        assertEquals("s3://no-bucket/x/: bucket 'no-bucket' does not exist at " + server.endpoint(), missing.getMessage());
        Map<String, String> wrongSecret = new java.util.HashMap<>(env());
        wrongSecret.put("AWS_SECRET_ACCESS_KEY", "wrong");
        UncheckedIOException refused = assertThrows(UncheckedIOException.class,
                () -> node(LOCATION, temp.resolve("n"), wrongSecret));
        assertTrue(refused.getMessage().startsWith("s3://cluster/demucs/: could not reach the bucket of it: HTTP 403"),
                refused.getMessage());
    }

    @Test
    void aServerRestartClearsOnlyItsOwnLocalFolder() throws IOException {
        Path dataDir = temp.resolve("node-c");
        Path keep = Files.createDirectories(dataDir.resolve("jobs/old-single-node-job")).resolve("job.json");
        Files.writeString(keep, "{}");
        try (JobFiles first = node(LOCATION, dataDir, env())) {
            first.create("job-f1");
            first.workDir("job-f1", null);
            Files.writeString(first.spoolFile(), "half an upload");
        }
        try (JobFiles again = node(LOCATION, dataDir, env())) {
            Path local = dataDir.resolve(S3FilesProvider.LOCAL_DIR);
            try (var left = Files.walk(local)) {
                assertEquals(0, left.filter(Files::isRegularFile).count(), "runs and uploads of the earlier process are gone");
            }
            assertTrue(Files.exists(keep), "the data directory's other files are not touched");
            assertThrows(JobExistsException.class, () -> again.create("job-f1"), "the job itself lives on in the store");
        }
    }

    private static byte[] readAll(JobFiles.ResultFile f, long offset) throws IOException {
        try (InputStream in = f.open(offset)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aJobAcceptedByOneNodeRunsOnAnotherAndIsServedByBoth() throws IOException {
        String id = "job-a1";
        byte[] input = random(300_000, 1);
        nodeA.create(id);
        Path upload = nodeA.spoolFile();
        Files.write(upload, input);
        String inputFile = nodeA.putInput(id, upload, ".wav");
        assertEquals("input/upload.wav", inputFile);
        assertFalse(Files.exists(upload), "the spooled upload is gone once stored");
        nodeA.log(id, "created");

        // node B claims the job: its work folder holds the input node A received
        Path work = nodeB.workDir(id, inputFile);
        assertArrayEquals(input, Files.readAllBytes(work.resolve(inputFile)));
        nodeB.log(id, "started (attempt 1)");
        byte[] mp3 = random(50_000, 2);
        byte[] segment = random(20_000, 3);
        byte[] vocals = random(70_000, 4);
        Files.write(work.resolve(JobLayout.INSTRUMENTAL), mp3);
        Files.write(Files.createDirectories(work.resolve(JobLayout.SEGMENTS)).resolve(JobLayout.segmentFile(0)), segment);
        Files.write(Files.createDirectories(work.resolve(JobLayout.RESULTS)).resolve(JobLayout.stemFile(0, "vocals")), vocals);
        ProgressSnapshot done = ProgressFile.idle(true).with(ProgressSnapshot.State.COMPLETED, ProgressFile.idle(true).tasks(),
                ProgressFile.idle(true).details());
        ProgressFile.write(work, done);
        nodeB.publish(id, work);
        nodeB.dropInput(id, work);
        assertFalse(Files.exists(work), "node B's local copy goes once the results are in the store");

        for (JobFiles node : List.of(nodeA, nodeB)) {
            List<JobFiles.ResultFile> results = node.results(id);
            assertEquals(List.of("instrumental.mp3", "segments/segment_000.m4a", "demucs_results/segment_000_vocals.wav"),
                    results.stream().map(JobFiles.ResultFile::path).toList());
            assertEquals(List.of(50_000L, 20_000L, 70_000L), results.stream().map(JobFiles.ResultFile::bytes).toList());
            assertArrayEquals(mp3, readAll(node.result(id, "instrumental.mp3").orElseThrow(), 0));
            assertArrayEquals(Arrays.copyOfRange(vocals, 12_345, vocals.length),
                    readAll(node.result(id, "segment_000_vocals.wav").orElseThrow(), 12_345));
            assertArrayEquals(segment, readAll(node.result(id, "segment_000.m4a").orElseThrow(), 0));
            assertTrue(node.result(id, "upload.wav").isEmpty(), "the input is not a result");
            assertTrue(node.result(id, "../x").isEmpty());
            assertEquals(ProgressSnapshot.State.COMPLETED, node.progress(id).orElseThrow().state());
            String log = node.readLog(id, 0, 1 << 16).text();
            assertTrue(log.contains(" created\n") && log.contains(" started (attempt 1)\n"), log);
        }
        assertEquals(List.of(), inspect.list("jobs/" + id + "/input/"), "the input was dropped from the store");

        assertEquals(List.of(), nodeB.delete(id));
        assertEquals(List.of(), inspect.list("jobs/" + id + "/"));
        assertTrue(nodeA.results(id).isEmpty());
        nodeA.create(id); // a deleted job's id is free again
    }

    @Test
    void anIdTakenOnOneNodeIsTakenOnTheOther() {
        nodeA.create("job-b1");
        assertThrows(JobExistsException.class, () -> nodeB.create("job-b1"));
    }

    @Test
    void progressWrittenByTheRunningNodeIsReadByTheOthers() {
        nodeA.create("job-c1");
        assertTrue(nodeB.progress("job-c1").isEmpty());
        nodeA.writeProgress("job-c1", ProgressFile.idle(false));
        assertEquals(ProgressSnapshot.State.IDLE, nodeB.progress("job-c1").orElseThrow().state());
    }

    @Test
    void aFailedRunLeavesNoResultsOrInputBehind() throws IOException {
        String id = "job-d1";
        nodeA.create(id);
        Path upload = nodeA.spoolFile();
        Files.write(upload, random(1000, 5));
        String inputFile = nodeA.putInput(id, upload, ".mp3");
        Path work = nodeB.workDir(id, inputFile);
        Files.write(work.resolve(JobLayout.INSTRUMENTAL), random(100, 6));
        nodeB.publish(id, work); // as if the job failed after a publish got half-way
        nodeB.dropOutputs(id, work, true);
        assertTrue(nodeA.results(id).isEmpty());
        assertEquals(List.of(), inspect.list("jobs/" + id + "/input/"));
        assertFalse(Files.exists(work));
    }

    @Test
    void aUrlInputFetchedByAnotherNodeIsLeftForTheWorkerToFetchAgain() throws IOException {
        nodeA.create("job-g1");
        Path first = nodeA.workDir("job-g1", null);
        Files.write(Files.createDirectories(first.resolve(JobFiles.INPUT_DIR)).resolve("source.mp3"), random(10, 7));
        // node A dies; node B takes the job over with the input file its record names
        Path work = nodeB.workDir("job-g1", "input/source.mp3");
        assertFalse(Files.exists(work.resolve("input/source.mp3")));
        assertThrows(IOException.class, () -> nodeB.workDir("job-g1", "../../etc/passwd"));
        assertThrows(IOException.class, () -> nodeB.workDir("job-g1", "input/../../x"));
    }

    @Test
    void logReadingGoesOnFromAnOffset() throws IOException {
        nodeA.create("job-e1");
        nodeA.log("job-e1", "one");
        JobFiles.LogChunk first = nodeB.readLog("job-e1", 0, 1 << 16);
        nodeB.log("job-e1", "two");
        JobFiles.LogChunk next = nodeA.readLog("job-e1", first.nextOffset(), 1 << 16);
        assertTrue(first.text().endsWith(" one\n") && next.text().endsWith(" two\n") && !next.text().contains("one"), next.text());
        assertEquals(next.nextOffset(), nodeA.readLog("job-e1", next.nextOffset(), 10).nextOffset(), "nothing new");
    }

    @Test
    void uploadsAreSpooledLocallyAndAJobsIdMustBeValid() throws IOException {
        Path spool = nodeA.spoolFile();
        assertEquals(nodeA.spoolDir(), spool.getParent());
        assertThrows(IllegalArgumentException.class, () -> nodeA.create("../etc"));
        assertThrows(IllegalArgumentException.class, () -> nodeA.results("a/b"));
        assertTrue(Files.readString(spool, StandardCharsets.UTF_8).isEmpty());
    }
}
