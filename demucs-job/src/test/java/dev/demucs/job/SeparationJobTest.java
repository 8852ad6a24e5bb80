package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.demucs.core.AudioIOException;
import dev.demucs.core.Cancellation;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.testing.TestAudio;
import dev.demucs.testing.TestModels;
import dev.demucs.job.ProgressSnapshot.State;
import dev.demucs.job.ProgressSnapshot.TaskState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a generated gain model (real ONNX Runtime, real FFmpeg): stem k of the model
 * is g_k·(mix − m) + m, so every written sample has a known value.
 */
class SeparationJobTest {

    static final int RATE = 44100;
    static final int FRAMES = 20 * RATE;
    static final List<String> SOURCES = TestModels.FOUR_STEMS; // drums, bass, other, vocals
    static final float[] TIME_GAINS = {0.3f, 0.2f, 0.4f, 0.5f};
    // Time-branch gains carry the signal; the frequency branch (STFT → model → iSTFT) is exercised
    // with zero gains (its numerics are demucs-core's own tests' business).
    static final float[] FREQ_GAINS = {0f, 0f, 0f, 0f};
    /** 16-bit quantisation (half a step) plus float32 pipeline error. */
    static final double TOLERANCE = 1.5 / 32767;

    @TempDir
    static Path shared;
    static Path model;
    static Path inputWav;
    static float[][] mix;
    static double mean;
    static Separator separator;

    @BeforeAll
    static void setUp() {
        model = TestModels.twoInputGain(shared.resolve("gain.onnx"), TIME_GAINS, FREQ_GAINS, TestModels.SEGMENT_SAMPLES,
                TestModels.metadata(SOURCES, RATE, TestModels.SEGMENT_SAMPLES));
        inputWav = shared.resolve("input.wav");
        mix = TestAudio.writeStereoWav(inputWav, RATE, FRAMES, 42);
        double sum = 0;
        for (int i = 0; i < FRAMES; i++) {
            sum += (mix[0][i] + (double) mix[1][i]) / 2;
        }
        mean = sum / FRAMES;
        separator = Separator.open(model, SeparationOptions.builder().shifts(0).intraOpThreads(1).build());
    }

    @AfterAll
    static void tearDown() {
        if (separator != null) {
            separator.close();
        }
    }

    static double gain(String stem) {
        int k = SOURCES.indexOf(stem);
        return TIME_GAINS[k] + FREQ_GAINS[k];
    }

    /** Expected value of a written stem ("instrum" = sum of every stem but vocals). */
    static double expected(String stem, int channel, int frame) {
        double x = mix[channel][frame] - mean;
        if (stem.equals("instrum")) {
            double g = 0;
            int n = 0;
            for (String s : SOURCES) {
                if (!s.equals("vocals")) {
                    g += gain(s);
                    n++;
                }
            }
            return g * x + n * mean;
        }
        return gain(stem) * x + mean;
    }

    @Test
    void automaticSegmentsWriteTheTemplateLayout(@TempDir Path out) throws Exception {
        List<ProgressSnapshot> seen = new CopyOnWriteArrayList<>();
        Poller poller = new Poller(out);
        poller.start();
        JobResult result;
        try {
            result = SeparationJob.run(JobSpec.builder(inputWav.toString(), out).segmentMaxSeconds(7).build(),
                    separator, new JobListener() {
                        @Override
                        public void onProgress(ProgressSnapshot p) {
                            seen.add(p);
                        }
                    }, new Cancellation());
        } finally {
            poller.stop();
        }
        long[] starts = {0, 7L * RATE, 14L * RATE};
        assertLayout(out, result, starts, List.of("vocals", "instrum"));
        assertStems(out, starts, List.of("vocals", "instrum"));
        assertFinalProgress(out, 3);
        assertProgressSequence(seen);
        assertEquals(List.of(), poller.failures, "a poller always reads a whole progress.txt");
        assertTrue(poller.reads > 0);
        assertCompressedOutputs(out, starts);
    }

    @Test
    void explicitCutPointsAndAllStems(@TempDir Path out) {
        JobResult result = SeparationJob.run(JobSpec.builder(inputWav.toString(), out)
                .cutPointsSeconds(CutPoints.parse("5.5,12.25")).allStems(true).build(), separator, JobListener.NONE,
                new Cancellation());
        long[] starts = {0, Math.round(5.5 * RATE), Math.round(12.25 * RATE)};
        List<String> stems = List.of("vocals", "instrum", "drums", "bass", "other");
        assertLayout(out, result, starts, stems);
        assertStems(out, starts, stems);
        assertFinalProgress(out, 3);
    }

    /** An http input (served on loopback) is downloaded once through the fetcher and decoded as a local file. */
    @Test
    void urlInput(@TempDir Path out) throws Exception {
        byte[] wav = Files.readAllBytes(inputWav);
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer server = serveSong(wav, gets);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/audio/song.wav?token=secret";
            JobResult result = SeparationJob.run(JobSpec.builder(url, out).cutPointsSeconds(List.of(8.0)).build(),
                    separator, JobListener.NONE, new Cancellation());
            long[] starts = {0, 8L * RATE};
            assertLayout(out, result, starts, List.of("vocals", "instrum"));
            assertStems(out, starts, List.of("vocals", "instrum"));
            assertFinalProgress(out, 2);
            assertEquals(1, gets.get(), "downloaded once, not per probe or separation pass");
            assertFalse(Files.exists(out.resolve(JobLayout.STAGING)), "the download went with the staging folder");
        } finally {
            server.stop(0);
        }
    }

    /** A playlist listing a local file, fetched from a URL, is refused: nothing of the listed file is decoded. */
    @Test
    void urlPlaylistIsRefused(@TempDir Path out) throws Exception {
        byte[] m3u8 = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:30\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:20.0,\n"
                + inputWav.toAbsolutePath() + "\n#EXT-X-ENDLIST\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/list.m3u8", exchange -> {
            exchange.sendResponseHeaders(200, m3u8.length);
            try (var body = exchange.getResponseBody()) {
                body.write(m3u8);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/list.m3u8?token=secret";
            dev.demucs.ffmpeg.MediaIOException e = assertThrows(dev.demucs.ffmpeg.MediaIOException.class, () -> SeparationJob.run(
                    JobSpec.defaults(url, out), separator, JobListener.NONE, new Cancellation()));
            assertEquals(dev.demucs.ffmpeg.MediaIOException.Reason.NOT_AUDIO, e.mediaReason());
            assertTrue(e.getMessage().startsWith("http://127.0.0.1:" + server.getAddress().getPort() + "/list.m3u8?…: format 'hls'"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("secret") || e.getMessage().contains("\n"), e.getMessage());
            assertErrorState(out, "format 'hls'");
            assertFalse(Files.exists(out.resolve("instrumental.mp3")) || Files.exists(out.resolve("segments"))
                    || Files.exists(out.resolve(JobLayout.STAGING)), "no output at all");
        } finally {
            server.stop(0);
        }
    }

    /**
     * Upstream's layout from an http input: decoded once into a spool that both the separation
     * and the {@code minus} complement read; only the stems are written, the spool is removed.
     */
    @Test
    void demucsLayoutFromUrlWithOtherMethodMinus(@TempDir Path out) throws Exception {
        byte[] wav = Files.readAllBytes(inputWav);
        java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer server = serveSong(wav, gets);
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/audio/song.wav?token=secret";
            JobSpec spec = JobSpec.builder(url, out).layout(JobSpec.Layout.DEMUCS).twoStem("vocals")
                    .otherMethod(JobSpec.OtherMethod.MINUS).build();
            JobResult result = SeparationJob.run(spec, separator, JobListener.NONE, new Cancellation());
            assertEquals(List.of("song"), TestAudio.names(out), "only the track's folder, no spool left");
            assertEquals(List.of("no_vocals.wav", "vocals.wav"), TestAudio.names(out.resolve("song")));
            assertEquals(2, result.stemFiles().size());
            float[][] vocals = TestAudio.readWav16(out.resolve("song/vocals.wav"));
            float[][] rest = TestAudio.readWav16(out.resolve("song/no_vocals.wav"));
            double worst = 0;
            for (int c = 0; c < 2; c++) {
                for (int f = 0; f < FRAMES; f++) {
                    worst = Math.max(worst, Math.abs(vocals[c][f] - expected("vocals", c, f)));
                    worst = Math.max(worst, Math.abs(rest[c][f] - (mix[c][f] - expected("vocals", c, f))));
                }
            }
            assertTrue(worst <= TOLERANCE, "worst error " + worst);
            assertTrue(gets.get() <= 2, "fetched for the probe and the spool only: " + gets.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void cutPointPastTheEndIsRejectedBeforeAnyWork(@TempDir Path out) throws Exception {
        JobInputException e = assertThrows(JobInputException.class, () -> SeparationJob.run(
                JobSpec.builder(inputWav.toString(), out).cutPointsSeconds(List.of(5.0, 25.0)).build(), separator,
                JobListener.NONE, new Cancellation()));
        assertTrue(e.getMessage().contains("25") && e.getMessage().contains("past the end")
                && e.getMessage().contains("input.wav"), e.getMessage());
        assertErrorState(out, "past the end");
        // a cut exactly at the end would make an empty last segment
        assertThrows(JobInputException.class, () -> SeparationJob.run(
                JobSpec.builder(inputWav.toString(), out).cutPointsSeconds(List.of(20.0)).build(), separator,
                JobListener.NONE, new Cancellation()));
    }

    @Test
    void badInputsAreClearErrors(@TempDir Path out) throws Exception {
        JobInputException missing = assertThrows(JobInputException.class, () -> SeparationJob.run(
                JobSpec.defaults(out.resolve("nope.wav").toString(), out), separator, JobListener.NONE, new Cancellation()));
        assertTrue(missing.getMessage().contains("nope.wav") && missing.getMessage().contains("no such file"),
                missing.getMessage());
        assertErrorState(out, "no such file");

        JobInputException scheme = assertThrows(JobInputException.class, () -> SeparationJob.run(
                JobSpec.defaults("ftp://example.com/a.mp3", out), separator, JobListener.NONE, new Cancellation()));
        assertTrue(scheme.getMessage().contains("unsupported URL scheme 'ftp'"), scheme.getMessage());

        Path text = out.resolve("notes.wav");
        Files.writeString(text, "this is not audio at all\n".repeat(50));
        AudioIOException notAudio = assertThrows(AudioIOException.class, () -> SeparationJob.run(
                JobSpec.defaults(text.toString(), out), separator, JobListener.NONE, new Cancellation()));
        assertTrue(notAudio.getMessage().contains("notes.wav"), notAudio.getMessage());
        assertErrorState(out, "notes.wav");

        JobInputException stem = assertThrows(JobInputException.class, () -> SeparationJob.run(
                JobSpec.builder(inputWav.toString(), out).twoStem("guitar").build(), separator, JobListener.NONE,
                new Cancellation()));
        assertTrue(stem.getMessage().contains("guitar") && stem.getMessage().contains("drums"), stem.getMessage());
    }

    @Test
    void cancellationLeavesErrorAndNothingThatLooksComplete(@TempDir Path out) throws Exception {
        // an earlier complete run in the same folder
        SeparationJob.run(JobSpec.builder(inputWav.toString(), out).segmentMaxSeconds(10).build(), separator,
                JobListener.NONE, new Cancellation());
        assertTrue(Files.exists(out.resolve("instrumental.mp3")));

        Cancellation cancel = new Cancellation();
        AtomicBoolean fired = new AtomicBoolean();
        assertThrows(SeparationCancelledException.class, () -> SeparationJob.run(
                JobSpec.builder(inputWav.toString(), out).segmentMaxSeconds(7).build(), separator, new JobListener() {
                    @Override
                    public void onProgress(ProgressSnapshot p) {
                        if (p.tasks().inference() == TaskState.RUNNING && p.details().percent() > 0
                                && fired.compareAndSet(false, true)) {
                            cancel.cancel();
                        }
                    }
                }, cancel));
        assertTrue(fired.get());
        assertErrorState(out, "cancel");
    }

    @Test
    void aFailedSegmentEncodeFailsTheJobAndLeavesNothing(@TempDir Path out) throws Exception {
        // The segments are encoded beside the inference. When the inference phase starts (before
        // the encoder thread does), a non-empty folder takes segment_000.m4a's name, so moving the
        // finished segment into place fails.
        AtomicBoolean blocked = new AtomicBoolean();
        AudioIOException e = assertThrows(AudioIOException.class, () -> SeparationJob.run(
                JobSpec.builder(inputWav.toString(), out).segmentMaxSeconds(7).build(), separator, new JobListener() {
                    @Override
                    public void onProgress(ProgressSnapshot p) {
                        if (p.tasks().inference() == TaskState.RUNNING && blocked.compareAndSet(false, true)) {
                            try {
                                Path squatter = out.resolve(JobLayout.STAGING).resolve("segments").resolve("segment_000.m4a");
                                Files.createDirectories(squatter);
                                Files.writeString(squatter.resolve("x"), "x");
                            } catch (java.io.IOException io) {
                                throw new java.io.UncheckedIOException(io);
                            }
                        }
                    }
                }, new Cancellation()));
        assertTrue(blocked.get());
        assertTrue(e.getMessage().contains("segment_000.m4a"), e.getMessage());
        assertErrorState(out, "segment_000.m4a");
    }

    // ---- assertions ----

    static void assertLayout(Path out, JobResult result, long[] starts, List<String> stems) {
        List<String> segments = new ArrayList<>();
        List<String> wavs = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            segments.add(String.format("segment_%03d.m4a", i));
            for (String s : stems) {
                wavs.add(String.format("segment_%03d_%s.wav", i, s));
            }
        }
        assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"), TestAudio.names(out));
        assertEquals(segments.stream().sorted().toList(), TestAudio.names(out.resolve("segments")));
        assertEquals(wavs.stream().sorted().toList(), TestAudio.names(out.resolve("demucs_results")));
        assertEquals(out.resolve("instrumental.mp3"), result.instrumental());
        assertEquals(segments, result.segments().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(wavs, result.stemFiles().stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(result.elapsedSeconds() > 0);
    }

    /** Every segment WAV has exactly its boundaries' length and the expected samples. */
    static void assertStems(Path out, long[] starts, List<String> stems) {
        for (String stem : stems) {
            double worst = 0;
            for (int i = 0; i < starts.length; i++) {
                long end = i + 1 < starts.length ? starts[i + 1] : FRAMES;
                float[][] wav = TestAudio.readWav16(out.resolve("demucs_results")
                        .resolve(String.format("segment_%03d_%s.wav", i, stem)));
                assertEquals(2, wav.length);
                assertEquals(end - starts[i], wav[0].length, "frames of segment " + i + " " + stem);
                for (int c = 0; c < 2; c++) {
                    for (int f = 0; f < wav[c].length; f++) {
                        worst = Math.max(worst, Math.abs(wav[c][f] - expected(stem, c, (int) starts[i] + f)));
                    }
                }
            }
            assertTrue(worst <= TOLERANCE, stem + ": worst error " + worst + " > " + TOLERANCE);
        }
    }

    static void assertFinalProgress(Path out, int segments) {
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(out.resolve("progress.txt")));
            assertEquals(List.of("state", "tasks", "timestamp", "elapsed_seconds", "details"), ProgressFileTest.fieldNames(n));
            assertEquals(List.of("models", "cutting", "inference", "conversion"), ProgressFileTest.fieldNames(n.get("tasks")));
            assertEquals(List.of("models_ready", "completed_segments", "total_segments", "percent"),
                    ProgressFileTest.fieldNames(n.get("details")));
            assertEquals("completed", n.get("state").asText());
            assertEquals("done", n.get("tasks").get("models").asText());
            for (String t : List.of("cutting", "inference", "conversion")) {
                assertEquals("no_work", n.get("tasks").get(t).asText());
            }
            assertTrue(n.get("timestamp").isDouble());
            assertTrue(Math.abs(n.get("timestamp").asDouble() - System.currentTimeMillis() / 1000.0) < 120);
            assertTrue(n.get("elapsed_seconds").asDouble() > 0);
            assertTrue(n.get("details").get("models_ready").asBoolean());
            assertEquals(segments, n.get("details").get("completed_segments").asInt());
            assertEquals(segments, n.get("details").get("total_segments").asInt());
            assertEquals(100.0, n.get("details").get("percent").asDouble());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static void assertProgressSequence(List<ProgressSnapshot> seen) {
        assertTrue(seen.size() >= 5, "progress written at each state change and chunk: " + seen.size());
        double percent = 0;
        int completed = 0;
        boolean sawCutting = false;
        boolean sawInference = false;
        boolean sawConversion = false;
        for (ProgressSnapshot p : seen) {
            assertTrue(p.details().percent() >= percent, "percent never decreases");
            assertTrue(p.details().completedSegments() >= completed);
            percent = p.details().percent();
            completed = p.details().completedSegments();
            sawCutting |= p.tasks().cutting() == TaskState.RUNNING;
            sawInference |= p.tasks().inference() == TaskState.RUNNING;
            sawConversion |= p.tasks().conversion() == TaskState.RUNNING;
            if (p.state() == State.DEMUCS) {
                long running = List.of(p.tasks().cutting(), p.tasks().inference(), p.tasks().conversion()).stream()
                        .filter(t -> t == TaskState.RUNNING).count();
                assertTrue(running <= 1);
            }
        }
        assertTrue(sawCutting && sawInference && sawConversion);
        long midInference = seen.stream().filter(p -> p.tasks().inference() == TaskState.RUNNING
                && p.details().percent() > 0 && p.details().percent() < 100).count();
        assertTrue(midInference >= 1, "updates during inference");
        long midCutting = seen.stream().filter(p -> p.tasks().cutting() == TaskState.RUNNING
                && p.details().percent() > 0 && p.details().percent() <= ProgressTracker.CUTTING_SHARE).count();
        assertTrue(midCutting >= 2, "updates during cutting: " + midCutting);
        assertEquals(State.COMPLETED, seen.get(seen.size() - 1).state());
    }

    static void assertErrorState(Path out, String reason) throws Exception {
        ProgressSnapshot p = ProgressFile.read(out).orElseThrow();
        assertEquals(State.ERROR, p.state());
        assertTrue(p.details().error() != null && p.details().error().toLowerCase().contains(reason.toLowerCase()),
                "details.error: " + p.details().error());
        assertFalse(Files.exists(out.resolve("instrumental.mp3")), "no instrumental after a failure");
        assertFalse(Files.exists(out.resolve("segments")), "no segments after a failure");
        assertFalse(Files.exists(out.resolve("demucs_results")), "no stems after a failure");
        assertFalse(Files.exists(out.resolve(JobLayout.STAGING)), "staging folder removed");
    }

    /** instrumental.mp3: mono, the track's length, the mono complement; segments: the cut lengths (ffprobe). */
    static void assertCompressedOutputs(Path out, long[] starts) throws Exception {
        assumeTrue(TestAudio.hasFfprobe(), "ffprobe (Debian package ffmpeg) is not installed: compressed outputs not checked");
        TestAudio.Probe mp3 = TestAudio.ffprobe(out.resolve("instrumental.mp3"));
        assertEquals("mp3", mp3.codec());
        assertEquals(1, mp3.channels());
        assertEquals(RATE, mp3.sampleRate());
        assertEquals(20.0, mp3.durationSeconds(), 0.06, "instrumental duration");
        for (int i = 0; i < starts.length; i++) {
            long end = i + 1 < starts.length ? starts[i + 1] : FRAMES;
            TestAudio.Probe m4a = TestAudio.ffprobe(out.resolve("segments").resolve(String.format("segment_%03d.m4a", i)));
            assertEquals("aac", m4a.codec());
            assertEquals(2, m4a.channels());
            assertEquals((end - starts[i]) / (double) RATE, m4a.durationSeconds(), 0.05, "segment " + i + " duration");
        }
        // The MP3 decoded by Debian's ffmpeg is the mono mean of the complement (lossy: SNR bound).
        float[] decoded = ffmpegDecodeMono(out.resolve("instrumental.mp3"));
        assertEquals(FRAMES, decoded.length, 1200, "decoded mp3 frames");
        double signal = 0;
        double noise = 0;
        for (int f = 0; f < Math.min(FRAMES, decoded.length); f++) {
            double e = (expected("instrum", 0, f) + expected("instrum", 1, f)) / 2;
            signal += e * e;
            noise += (decoded[f] - e) * (decoded[f] - e);
        }
        double snr = 10 * Math.log10(signal / noise);
        assertTrue(snr > 15, "instrumental.mp3 SNR vs the expected mono complement: " + snr + " dB");
    }

    static float[] ffmpegDecodeMono(Path file) throws Exception {
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", file.toString(), "-f", "f32le", "-ac", "1", "-")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        p.getInputStream().transferTo(bytes);
        assertEquals(0, p.waitFor());
        ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** Reads progress.txt in a loop while the job runs. */
    static final class Poller {
        final Path out;
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        volatile int reads;
        volatile boolean stop;
        Thread thread;

        Poller(Path out) {
            this.out = out;
        }

        void start() {
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        if (ProgressFile.read(out).isPresent()) {
                            reads++;
                        }
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            });
            thread.start();
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }

    /** A loopback server for {@code /audio/song.wav} that counts its GETs; the caller stops it. */
    private static com.sun.net.httpserver.HttpServer serveSong(byte[] wav, java.util.concurrent.atomic.AtomicInteger gets)
            throws java.io.IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/audio/song.wav", exchange -> {
            if (exchange.getRequestMethod().equals("GET")) {
                gets.incrementAndGet();
            }
            exchange.getResponseHeaders().add("Content-Type", "audio/wav");
            exchange.sendResponseHeaders(200, wav.length);
            try (var body = exchange.getResponseBody()) {
                body.write(wav);
            } catch (java.io.IOException ignored) {
                // the client may stop reading once it has what it needs (probe)
            }
        });
        server.start();
        return server;
    }
}
