package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.Device;
import dev.demucs.testing.TestAudio;
import dev.demucs.job.ProgressFile;
import dev.demucs.job.ProgressSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command in-process through picocli, with a generated gain model and real FFmpeg. */
class DemucsCliTest {

    @TempDir
    static Path shared;
    static CliFixture fx;

    @BeforeAll
    static void setUp() {
        fx = new CliFixture(shared, 16);
    }

    String[] base(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", fx.input.toString(), "--output", out.toString(),
                "--model", fx.model.toString(), "--device", "cpu", "--threads", "1", "--shifts", "0"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void separatesWithCutPointsAndAllStems(@TempDir Path out) {
        CliFixture.Run r = CliFixture.run(base(out, "--interval-cut", "4.5,10", "--all-stems"));
        assertEquals(0, r.exitCode(), r.err());
        long[] starts = {0, Math.round(4.5 * CliFixture.RATE), 10L * CliFixture.RATE};
        List<String> stems = List.of("vocals", "instrum", "drums", "bass", "other");
        assertLayoutAndStems(out, starts, stems);
        ProgressSnapshot p = ProgressFile.read(out).orElseThrow();
        assertEquals(ProgressSnapshot.State.COMPLETED, p.state());
        assertEquals(3, p.details().totalSegments());
        assertEquals(3, p.details().completedSegments());
        assertEquals(100.0, p.details().percent());
        // not a terminal: plain progress lines, the summary, no bar
        assertTrue(r.err().contains("progress: ") && r.err().contains("inference"), r.err());
        assertTrue(r.err().contains("done in ") && r.err().contains("instrumental.mp3"), r.err());
        assertFalse(r.err().contains("\r"));
    }

    @Test
    void automaticSegmentsQuietly(@TempDir Path out) {
        CliFixture.Run r = CliFixture.run(base(out, "--segment-max", "6", "--quiet", "--mp3-bitrate", "128",
                "--clip-mode", "clamp"));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err(), "--quiet prints nothing on success");
        assertLayoutAndStems(out, new long[] {0, 6L * CliFixture.RATE, 12L * CliFixture.RATE}, List.of("vocals", "instrum"));
    }

    /**
     * {@code --device auto} (the default) on the CPU build is the CPU without a word about CUDA;
     * {@code --verbose} says why; an explicit {@code cuda} fails in one line. On the GPU build
     * (-Pgpu) on a machine without CUDA 12, auto warns that it falls back.
     */
    @Test
    void autoDeviceIsQuietOnTheCpuBuild(@TempDir Path out) {
        String[] auto = {"--input", fx.input.toString(), "--output", out.toString(), "--model", fx.model.toString(),
                "--threads", "1", "--shifts", "0"};
        CliFixture.Run r = CliFixture.run(auto);
        assertEquals(0, r.exitCode(), r.err());
        CliFixture.Run verbose = CliFixture.run(concat(auto, "--verbose"));
        assertEquals(0, verbose.exitCode(), verbose.err());
        CliFixture.Run cuda = CliFixture.run(concat(auto, "--device", "cuda"));
        assertEquals(ExitCodes.of(new dev.demucs.core.InferenceException("x")), cuda.exitCode(), cuda.err());
        assertTrue(cuda.errorLine().contains("CUDA device 0 cannot be used"), cuda.err());
        if (Device.cudaMissingFromBuild().isPresent()) {
            assertFalse((r.out() + r.err()).toLowerCase(java.util.Locale.ROOT).contains("cuda"), r.err());
            assertTrue(verbose.err().contains("device auto: the CPU, since " + Device.cudaMissingFromBuild().get()),
                    verbose.err());
            assertTrue(cuda.errorLine().contains("no CUDA provider"), cuda.err());
        } else {
            assertTrue(r.err().contains("warning: using cpu: CUDA device 0 cannot be used"), r.err());
        }
    }

    static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    void assertLayoutAndStems(Path out, long[] starts, List<String> stems) {
        List<String> wavs = new ArrayList<>();
        List<String> segments = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            segments.add(String.format("segment_%03d.m4a", i));
            for (String s : stems) {
                wavs.add(String.format("segment_%03d_%s.wav", i, s));
            }
        }
        assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"), TestAudio.names(out));
        assertEquals(segments, TestAudio.names(out.resolve("segments")));
        assertEquals(wavs.stream().sorted().toList(), TestAudio.names(out.resolve("demucs_results")));
        for (String stem : stems) {
            double worst = 0;
            for (int i = 0; i < starts.length; i++) {
                long end = i + 1 < starts.length ? starts[i + 1] : fx.frames;
                float[][] wav = TestAudio.readWav16(out.resolve("demucs_results").resolve(String.format("segment_%03d_%s.wav", i, stem)));
                assertEquals(end - starts[i], wav[0].length, stem + " segment " + i + " frames");
                for (int c = 0; c < 2; c++) {
                    for (int f = 0; f < wav[c].length; f++) {
                        worst = Math.max(worst, Math.abs(wav[c][f] - fx.expected(stem, c, (int) starts[i] + f)));
                    }
                }
            }
            assertTrue(worst <= CliFixture.TOLERANCE, stem + " worst error " + worst);
        }
        if (TestAudio.hasFfprobe()) {
            TestAudio.Probe mp3 = TestAudio.ffprobe(out.resolve("instrumental.mp3"));
            assertEquals(1, mp3.channels(), "instrumental.mp3 is mono");
            assertEquals(fx.frames / (double) CliFixture.RATE, mp3.durationSeconds(), 0.06);
        }
    }

    /** A 6-stem model: --all-stems writes each of its stems, instrum sums the five that are not vocals. */
    @Test
    void sixStemModelWithAllStems(@TempDir Path out) {
        float[] gains = {0.1f, 0.2f, 0.3f, 0.4f, 0.15f, 0.25f};
        Path six = dev.demucs.testing.TestModels.twoInputGain(out.resolve("six.onnx"), gains, new float[6],
                dev.demucs.testing.TestModels.SEGMENT_SAMPLES, dev.demucs.testing.TestModels.metadata(
                        dev.demucs.testing.TestModels.SIX_STEMS, CliFixture.RATE,
                        dev.demucs.testing.TestModels.SEGMENT_SAMPLES));
        Path results = out.resolve("r");
        CliFixture.Run r = CliFixture.run("--input", fx.input.toString(), "--output", results.toString(), "--model",
                six.toString(), "--device", "cpu", "--threads", "1", "--all-stems", "--interval-cut", "8", "-q");
        assertEquals(0, r.exitCode(), r.err());
        List<String> names = List.of("drums", "bass", "other", "vocals", "guitar", "piano", "instrum");
        List<String> expectedFiles = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String n : names) {
                expectedFiles.add(String.format("segment_%03d_%s.wav", i, n));
            }
        }
        assertEquals(expectedFiles.stream().sorted().toList(), TestAudio.names(results.resolve("demucs_results")));
        double worst = 0;
        for (int i = 0; i < 2; i++) {
            int start = i * 8 * CliFixture.RATE;
            for (int k = 0; k < names.size(); k++) {
                float[][] wav = TestAudio.readWav16(results.resolve("demucs_results")
                        .resolve(String.format("segment_%03d_%s.wav", i, names.get(k))));
                double g = k < 6 ? gains[k] : gains[0] + gains[1] + gains[2] + gains[4] + gains[5];
                double offset = k < 6 ? fx.mean : 5 * fx.mean;
                for (int c = 0; c < 2; c++) {
                    for (int f = 0; f < wav[c].length; f++) {
                        worst = Math.max(worst, Math.abs(wav[c][f] - (g * (fx.mix[c][start + f] - fx.mean) + offset)));
                    }
                }
            }
        }
        assertTrue(worst <= CliFixture.TOLERANCE, "worst error " + worst);
    }

    @Test
    void helpAndVersion() {
        CliFixture.Run help = CliFixture.run("--help");
        assertEquals(0, help.exitCode());
        for (String flag : List.of("--input", "--output", "--interval-cut", "--all-stems", "--model", "--offline", "--device",
                "--threads", "--shifts", "--overlap", "--seed", "--segment-max", "--two-stems", "--mp3-bitrate",
                "--clip-mode", "--quiet", "--verbose", "--version", "serve", "models", "Exit codes")) {
            assertTrue(help.out().contains(flag), "help mentions " + flag);
        }
        CliFixture.Run version = CliFixture.run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().matches("(?s)demucs-separate \\d+\\.\\d+\\.\\d+.*"), version.out());
        assertTrue(version.out().contains("MP3 encoder: libmp3lame"), version.out());
    }
}
