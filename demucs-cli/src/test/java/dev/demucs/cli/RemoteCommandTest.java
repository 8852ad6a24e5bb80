package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.client.HttpCaller;
import dev.demucs.client.HttpClients;
import dev.demucs.client.JobOptions;
import dev.demucs.client.RemoteClient;
import dev.demucs.client.RemoteRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code remote} against one plain {@code demucs-separate serve} process on loopback (with a bearer
 * token), reached directly and through {@link FakeRunPod}'s proxy where a test needs to hold or cut
 * a request.
 */
class RemoteCommandTest {

    static final String TOKEN = "remote-test-token";

    @TempDir
    static Path shared;
    static CliFixture fx;
    static FakeRunPod fake;
    static FakeRunPod.Pod pod;
    static String direct;
    static String proxied;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new CliFixture(shared, 2);
        fake = new FakeRunPod("unused", shared.resolve("fake"));
        fake.servedFile = fx.input;
        pod = fake.startPod(Map.of("DEMUCS_API_TOKEN", TOKEN, "DEMUCS_MODEL", fx.model.toString(), "DEMUCS_DEVICE", "cpu"));
        direct = "http://127.0.0.1:" + pod.port.get(2, TimeUnit.MINUTES);
        proxied = fake.proxyTemplate().replace("{podId}", pod.id).replace("{port}", "8185");
    }

    @AfterAll
    static void tearDown() {
        if (fake != null) {
            fake.close();
        }
    }

    /** The server's own copy of a job's results. */
    static Path serverJob(String jobId) {
        return pod.dataDir.resolve("jobs").resolve("jobs").resolve(jobId); // --data-dir DIR keeps jobs in DIR/jobs
    }

    static String jobIdFrom(CliFixture.Run r) {
        int at = r.err().indexOf("done: job ");
        return r.err().substring(at + 10).split(",")[0];
    }

    @Test
    void uploadsALocalFileAndDownloadsTheTemplateLayout() throws Exception {
        Path out = dir.resolve("out");
        CliFixture.Run r = CliFixture.run("remote", "--server", direct, "--token", TOKEN, "--input", fx.input.toString(),
                "--output", out.toString(), "--interval-cut", "1", "--all-stems");
        assertEquals(0, r.exitCode(), r.err());
        String id = jobIdFrom(r);
        RemoteFixture.assertSameResults(serverJob(id), out);
        assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"),
                Files.list(out).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(10, Files.list(out.resolve("demucs_results")).count(), "2 segments × (4 stems + vocals/instrum)");
    }

    @Test
    void passesAUrlThrough() throws Exception {
        Path out = dir.resolve("url");
        CliFixture.Run r = CliFixture.run("remote", "--server", proxied, "--token", TOKEN, "--input", fake.base() + "/files/input.wav",
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.err().contains("upload"), "a URL is not uploaded");
        RemoteFixture.assertSameResults(serverJob(jobIdFrom(r)), out);
    }

    @Test
    void wrongTokenIsExitCode5() {
        CliFixture.Run r = CliFixture.run("remote", "--server", direct, "--token", "nope", "jobs");
        assertEquals(ExitCodes.AUTH, r.exitCode(), r.err());
        assertTrue(r.errorLine().contains("DEMUCS_API_TOKEN"), r.err());
    }

    @Test
    void cancelDeletesTheJobAndTheWaitingClientSaysSo() throws Exception {
        RemoteClient client = new RemoteClient(HttpClients.create(), proxied, TOKEN, HttpCaller.Backoff.DEFAULT);
        Path out = dir.resolve("cancelled");
        CountDownLatch hold = new CountDownLatch(1);
        fake.pollSeen = new CountDownLatch(1);
        fake.holdNextPoll.set(hold);
        CompletableFuture<CliFixture.Run> waiting = CompletableFuture.supplyAsync(() -> CliFixture.run("remote", "--server", proxied,
                "--token", TOKEN, "--input", fx.input.toString(), "--output", out.toString()));
        try {
            assertTrue(fake.pollSeen.await(2, TimeUnit.MINUTES));
            String id = RemoteRun.readState(out).orElseThrow().jobId();
            CliFixture.Run c = CliFixture.run("remote", "--server", direct, "--token", TOKEN, "cancel", id);
            assertEquals(0, c.exitCode(), c.err());
            assertTrue(c.out().contains("\"status\" : \"deleted\""), c.out());
            CliFixture.Run s = CliFixture.run("remote", "--server", direct, "--token", TOKEN, "status", id);
            assertEquals(ExitCodes.USAGE, s.exitCode(), s.err());
        } finally {
            hold.countDown();
        }
        CliFixture.Run w = waiting.get(2, TimeUnit.MINUTES);
        assertEquals(ExitCodes.REMOTE_JOB, w.exitCode(), w.err());
        assertTrue(w.errorLine().contains("is no longer on the server"), w.err());
        assertTrue(client.jobs().path("jobs").isArray());
    }

    @Test
    void clientKilledMidDownloadResumesToIdenticalFiles() throws Exception {
        Path out = dir.resolve("resumed");
        Path log = dir.resolve("client.log");
        CountDownLatch hold = new CountDownLatch(1);
        fake.downloadSeen = new CountDownLatch(1);
        fake.holdDownload = hold;
        Process p = RemoteFixture.startCli(log, Map.of("DEMUCS_API_TOKEN", TOKEN),
                List.of("remote", "--server", proxied, "--input", fx.input.toString(), "--output", out.toString(), "--all-stems"));
        String id;
        try {
            assertTrue(fake.downloadSeen.await(2, TimeUnit.MINUTES), Files.readString(log, StandardCharsets.UTF_8));
            p.destroyForcibly(); // killed, not interrupted: no hook runs
            assertTrue(p.waitFor(1, TimeUnit.MINUTES));
            id = RemoteRun.readState(out).orElseThrow().jobId();
            assertTrue(RemoteFixture.files(out).stream().noneMatch(RemoteFixture::isResult)
                    || !RemoteFixture.files(out).containsAll(RemoteFixture.files(serverJob(id)).stream().filter(RemoteFixture::isResult).toList()),
                    "the kill came before every file was down");
        } finally {
            fake.holdDownload = null;
            hold.countDown();
            p.destroyForcibly();
        }
        CliFixture.Run r = CliFixture.run("remote", "--resume", out.toString(), "--token", TOKEN);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resuming job " + id), r.err());
        RemoteFixture.assertSameResults(serverJob(id), out);
        assertTrue(RemoteRun.readState(out).isEmpty(), "state file removed when whole");
        assertTrue(RemoteFixture.files(out).stream().noneMatch(f -> f.endsWith(".part")));

        CliFixture.Run again = CliFixture.run("remote", "--resume", out.toString(), "--token", TOKEN);
        assertEquals(ExitCodes.USAGE, again.exitCode(), "nothing left to resume");
    }

    @Test
    void rerunningTheSameCommandContinuesInsteadOfSubmitting() throws Exception {
        RemoteClient client = new RemoteClient(HttpClients.create(), direct, TOKEN, HttpCaller.Backoff.DEFAULT);
        Path out = dir.resolve("again");
        // a first client that stopped right after submitting: only the state file and the job exist
        Files.createDirectories(out);
        String id = "remote-precreated" + System.nanoTime();
        client.upload(fx.input, JobOptions.DEFAULTS, id, sent -> { });
        Files.writeString(out.resolve(RemoteRun.STATE_FILE), "{\"server\":\"" + client.baseUrl() + "\",\"job_id\":\"" + id
                + "\",\"input\":\"" + fx.input.toString().replace("\\", "\\\\") + "\"}");
        int before = client.jobs().path("total").asInt();
        CliFixture.Run r = CliFixture.run("remote", "--server", direct, "--token", TOKEN, "--input", fx.input.toString(),
                "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("continuing job " + id), r.err());
        assertEquals(before, client.jobs().path("total").asInt(), "no second job");
        RemoteFixture.assertSameResults(serverJob(id), out);
    }
}
