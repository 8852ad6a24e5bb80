package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runpod} against a fake RunPod on loopback ({@link FakeRunPod}) whose pods are real
 * {@code demucs-separate serve} processes reached through the proxy template.
 */
class RunPodCommandTest {

    static final String KEY = "rpa_TESTKEY_0123456789abcdef";

    @TempDir
    static Path shared;
    static CliFixture fx;
    static Path keyFile;
    static Path local;

    @TempDir
    Path dir;
    FakeRunPod fake;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new CliFixture(shared, 3);
        keyFile = Files.writeString(shared.resolve("key.txt"), KEY + "\n");
        local = shared.resolve("local");
        CliFixture.Run r = CliFixture.run("--input", fx.input.toString(), "--output", local.toString(), "--model", fx.model.toString(),
                "--device", "cpu", "--threads", "1", "--interval-cut", "1.5", "--all-stems");
        assertEquals(0, r.exitCode(), r.err());
    }

    @BeforeEach
    void startFake() throws Exception {
        fake = new FakeRunPod(KEY, dir.resolve("fake"));
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    List<String> separate(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("runpod", "separate", fx.input.toString(), "--output", out.toString(),
                "--api-key-file", keyFile.toString(), "--model", fx.model.toString(), "--device", "cpu",
                "--interval-cut", "1.5", "--all-stems", "--probe-interval", "0.2"));
        if (!List.of(extra).contains("--timeout")) {
            a.addAll(List.of("--timeout", "3"));
        }
        a.addAll(fake.settings());
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void separatesOnAPodLikeTheLocalCliFallingBackThroughGpuTypesAndTerminatesThePod() throws Exception {
        fake.noCapacity = Set.of("GPU FULL");
        Path out = dir.resolve("out");
        CliFixture.Run r = CliFixture.run(separate(out, "--gpu", "GPU FULL,GPU FREE").toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(List.of("GPU FULL", "GPU FREE"), fake.createdTypes);
        assertTrue(r.err().contains("no GPU FULL available") && r.err().contains("trying the next GPU type"), r.err());
        assertEquals(1, fake.terminated.size(), "the pod is terminated");
        assertTrue(fake.pods.isEmpty());
        assertTrue(r.err().contains("terminated"), r.err());
        assertTrue(r.out().contains("cost estimate: $"), r.out());
        RemoteFixture.assertSameResults(local, out);
        assertEquals(ProgressSnapshot.State.COMPLETED, ProgressFile.read(out).orElseThrow().state());
        assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"),
                Files.list(out).map(p -> p.getFileName().toString()).sorted().toList(), "exactly the template layout");
        assertFalse(r.err().contains(KEY) || r.out().contains(KEY));
    }

    @Test
    void keepPodLeavesItRunningAfterWaitingOutA429AndStopStopsIt() throws Exception {
        fake.rateLimitCreates = 1;
        Path out = dir.resolve("kept");
        CliFixture.Run r = CliFixture.run(separate(out, "--keep-pod", "--gpu", "GPU A").toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(2, fake.createNanos.size(), "429, then the retry");
        long gapMillis = (fake.createNanos.get(1) - fake.createNanos.get(0)) / 1_000_000;
        assertTrue(gapMillis >= 1000, "Retry-After: 1 honoured, waited " + gapMillis + " ms");
        assertTrue(fake.terminated.isEmpty());
        FakeRunPod.Pod pod = fake.pods.values().iterator().next();
        assertTrue(pod.process.isAlive());
        assertTrue(r.out().contains("pod kept running: " + pod.id), r.out());
        assertTrue(r.out().contains("demucs-separate runpod stop --pod-id " + pod.id), r.out());
        RemoteFixture.assertSameResults(local, out);

        List<String> stop = new ArrayList<>(List.of("runpod", "stop", "--pod-id", pod.id, "--api-key-file", keyFile.toString()));
        stop.addAll(fake.settings());
        CliFixture.Run s = CliFixture.run(stop.toArray(String[]::new));
        assertEquals(0, s.exitCode(), s.err());
        assertEquals(List.of(pod.id), fake.stopped);
        assertFalse(pod.process.isAlive());

        List<String> list = new ArrayList<>(List.of("runpod", "list", "--api-key-file", keyFile.toString()));
        list.addAll(fake.settings());
        CliFixture.Run l = CliFixture.run(list.toArray(String[]::new));
        assertEquals(0, l.exitCode(), l.err());
        assertTrue(l.out().contains(pod.id) && l.out().contains("EXITED"), l.out());
    }

    @Test
    void podStuckProvisioningIsTerminatedAfterTimeout() throws Exception {
        fake.neverStart = true;
        CliFixture.Run r = CliFixture.run(separate(dir.resolve("stuck"), "--timeout", "0.05").toArray(String[]::new));
        assertEquals(ExitCodes.UNAVAILABLE, r.exitCode(), r.err());
        assertTrue(r.errorLine().contains("was not ready within --timeout"), r.err());
        assertEquals(1, fake.terminated.size());
        assertTrue(r.err().contains("terminated"), r.err());
    }

    @Test
    void refusedKeyIsNamedAndNeverPrinted() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.txt"), "rpa_WRONG_KEY_987654321");
        for (String[] args : List.of(new String[] {"runpod", "gpus"}, new String[] {"runpod", "separate", fx.input.toString()})) {
            List<String> a = new ArrayList<>(List.of(args));
            a.addAll(List.of("--api-key-file", wrong.toString()));
            a.addAll(fake.settings());
            CliFixture.Run r = CliFixture.run(a.toArray(String[]::new));
            assertEquals(ExitCodes.AUTH, r.exitCode(), r.err());
            assertTrue(r.errorLine().contains("RUNPOD_API_KEY"), r.err());
            assertFalse((r.out() + r.err()).contains("WRONG_KEY"), "the key is never printed");
        }
        assertTrue(fake.pods.isEmpty());
    }

    @Test
    void gpusAsTableAndJson() {
        List<String> a = new ArrayList<>(List.of("runpod", "gpus", "--api-key-file", keyFile.toString()));
        a.addAll(fake.settings());
        CliFixture.Run table = CliFixture.run(a.toArray(String[]::new));
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("NVIDIA GeForce RTX 4090") && table.out().contains("0.690") && table.out().contains("High"), table.out());
        a.add("--json");
        CliFixture.Run json = CliFixture.run(a.toArray(String[]::new));
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(json.out().contains("\"memoryGb\" : 48") && json.out().contains("\"pricePerHour\" : null"), json.out());
    }

    @Test
    void podDyingMidJobIsAnErrorAndThePodIsTerminated() throws Exception {
        fake.killOnNextPoll.set(true);
        CliFixture.Run r = CliFixture.run(separate(dir.resolve("died")).toArray(String[]::new));
        assertEquals(ExitCodes.UNAVAILABLE, r.exitCode(), r.err());
        assertTrue(r.errorLine().contains("stopped during the job"), r.err());
        assertEquals(1, fake.terminated.size());
    }

    @Test
    void ctrlCDuringTheJobTerminatesThePod() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        fake.holdNextPoll.set(hold);
        Path log = dir.resolve("client.log");
        List<String> args = separate(dir.resolve("interrupted"));
        int k = args.indexOf("--api-key-file");
        args.remove(k + 1);
        args.remove(k);
        Process p = RemoteFixture.startCli(log, Map.of("RUNPOD_API_KEY", KEY), args);
        try {
            assertTrue(fake.pollSeen.await(2, TimeUnit.MINUTES), "the job was submitted and polled");
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM runs its shutdown hooks
            assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        } finally {
            hold.countDown();
            p.destroyForcibly();
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(1, fake.terminated.size(), text);
        assertTrue(text.contains("interrupted, terminating the pod") && text.contains("terminated (interrupted)"), text);
        assertFalse(text.contains(KEY));
    }
}
