package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.StemSelection;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.testing.TestAudio;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's flags against real outputs: every file is read back by Debian's ffprobe/ffmpeg, the
 * expectations come from the generated gain model's analytic output and from the library's
 * in-memory separation.
 */
class UpstreamFlagsTest {

    @TempDir
    static Path shared;
    static CliFixture fx;

    @BeforeAll
    static void setUp() {
        fx = new CliFixture(shared, 3);
    }

    static String[] args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(fx.input.toString(), "-o", out.toString(), "-n", fx.model.toString(),
                "-d", "cpu", "--threads", "1", "--shifts", "0", "-q"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void stemFormatsAndBitDepths(@TempDir Path dir) throws Exception {
        assumeTrue(TestAudio.hasFfprobe(), "Debian's ffprobe is not installed");
        Map<String, String> codecOf = Map.of("--float32", "pcm_f32le", "--int24", "pcm_s24le", "--flac", "flac");
        for (Map.Entry<String, String> e : codecOf.entrySet()) {
            Path out = dir.resolve(e.getKey().substring(2));
            CliFixture.Run r = CliFixture.run(args(out, e.getKey()));
            assertEquals(0, r.exitCode(), r::err);
            String ext = e.getKey().equals("--flac") ? "flac" : "wav";
            assertEquals(List.of("segment_000_instrum." + ext, "segment_000_vocals." + ext),
                    TestAudio.names(out.resolve("demucs_results")));
            Map<String, String> p = probe(out.resolve("demucs_results/segment_000_vocals." + ext));
            assertEquals(e.getValue(), p.get("codec_name"), e.getKey());
            assertEquals("44100", p.get("sample_rate"));
            // the template's own files keep their formats
            assertEquals("mp3", probe(out.resolve("instrumental.mp3")).get("codec_name"));
            assertEquals("aac", probe(out.resolve("segments/segment_000.m4a")).get("codec_name"));
            // the samples, decoded by ffmpeg, are the model's output within the format's precision
            float[][] vocals = decode(out.resolve("demucs_results/segment_000_vocals." + ext));
            double tolerance = e.getKey().equals("--flac") ? CliFixture.TOLERANCE : 1e-5;
            assertEquals(fx.frames, vocals[0].length);
            for (int c = 0; c < 2; c++) {
                for (int f = 0; f < fx.frames; f++) {
                    assertEquals(fx.expected("vocals", c, f), vocals[c][f], tolerance, e.getKey() + " frame " + f);
                }
            }
        }
        Path mp3Best = dir.resolve("mp3-2");
        Path mp3Fast = dir.resolve("mp3-7");
        assertEquals(0, CliFixture.run(args(mp3Best, "--mp3", "--mp3-bitrate", "192", "--mp3-preset", "2")).exitCode());
        CliFixture.Run fast = CliFixture.run(args(mp3Fast, "--mp3", "--mp3-bitrate", "192", "--mp3-preset", "7"));
        assertEquals(0, fast.exitCode(), fast::err);
        Path best = mp3Best.resolve("demucs_results/segment_000_vocals.mp3");
        Map<String, String> p = probe(best);
        assertEquals("mp3", p.get("codec_name"));
        assertEquals("192000", p.get("bit_rate"));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(best),
                Files.readAllBytes(mp3Fast.resolve("demucs_results/segment_000_vocals.mp3"))), "the preset reaches LAME");
        CliFixture.Run badPreset = CliFixture.run(args(dir.resolve("bad"), "--mp3", "--mp3-preset", "9"));
        assertEquals(ExitCodes.USAGE, badPreset.exitCode());
        assertTrue(badPreset.errorLine().contains("mp3_preset (--mp3-preset) must be a whole number in 2 … 7"), badPreset::err);
        CliFixture.Run two = CliFixture.run(args(dir.resolve("two"), "--flac", "--mp3"));
        assertEquals(ExitCodes.USAGE, two.exitCode());
        assertTrue(two.errorLine().contains("choose one stem format"), two::err);
    }

    /** --float32 stems of a generated model equal the library's in-memory result bit for bit. */
    @Test
    void float32StemsAreTheLibrarysResultBitForBit(@TempDir Path out) throws Exception {
        assumeTrue(TestAudio.hasFfprobe(), "Debian's ffmpeg is not installed");
        CliFixture.Run r = CliFixture.run(args(out, "--layout", "demucs", "--float32", "--clip-mode", "none"));
        assertEquals(0, r.exitCode(), r::err);
        SeparationOptions options = SeparationOptions.builder().device(Device.parse("cpu")).intraOpThreads(1).shifts(0)
                .stems(StemSelection.all()).build();
        Stems expected;
        try (Separator separator = Separator.open(fx.model, options)) {
            expected = separator.separate(AudioBuffer.of(CliFixture.RATE, fx.mix));
        }
        for (String stem : CliFixture.SOURCES) {
            float[][] written = decode(out.resolve("gain/input/" + stem + ".wav"));
            for (int c = 0; c < 2; c++) {
                assertArrayEquals(expected.get(stem).data()[c], written[c], stem + " channel " + c);
            }
        }
    }

    @Test
    void otherMethodMinusIsMixMinusStem(@TempDir Path dir) throws Exception {
        assumeTrue(TestAudio.hasFfprobe(), "Debian's ffmpeg is not installed");
        Path out = dir.resolve("minus");
        CliFixture.Run r = CliFixture.run(args(out, "--other-method", "minus", "--float32", "--clip-mode", "none"));
        assertEquals(0, r.exitCode(), r::err);
        float[][] vocals = decode(out.resolve("demucs_results/segment_000_vocals.wav"));
        float[][] instrum = decode(out.resolve("demucs_results/segment_000_instrum.wav"));
        for (int c = 0; c < 2; c++) {
            for (int f = 0; f < fx.frames; f++) {
                assertEquals(fx.mix[c][f] - vocals[c][f], instrum[c][f], 0f, "frame " + f); // float32: exact
            }
        }
        // upstream's layout: no_vocals; none: no complement at all
        Path up = dir.resolve("up");
        assertEquals(0, CliFixture.run(args(up, "--layout", "demucs", "--two-stems", "vocals", "--other-method", "minus",
                "--float32", "--clip-mode", "none")).exitCode());
        float[][] noVocals = decode(up.resolve("gain/input/no_vocals.wav"));
        assertArrayEquals(instrum[1], noVocals[1]);
        Path none = dir.resolve("none");
        assertEquals(0, CliFixture.run(args(none, "--other-method", "none")).exitCode());
        assertEquals(List.of("segment_000_vocals.wav"), TestAudio.names(none.resolve("demucs_results")));
        assertTrue(Files.isRegularFile(none.resolve("instrumental.mp3")), "the template's instrumental stays");
    }

    @Test
    void demucsLayoutNamesAndFilenamePatterns(@TempDir Path dir) {
        Path out = dir.resolve("a");
        assertEquals(0, CliFixture.run(args(out, "--layout", "demucs")).exitCode());
        assertEquals(List.of("gain"), TestAudio.names(out));
        assertEquals(List.of("input"), TestAudio.names(out.resolve("gain")));
        assertEquals(List.of("bass.wav", "drums.wav", "other.wav", "vocals.wav"), TestAudio.names(out.resolve("gain/input")));

        Path pattern = dir.resolve("b");
        CliFixture.Run r = CliFixture.run(args(pattern, "--layout", "demucs", "--flac", "--two-stems", "drums",
                "--filename", "{track}_{trackext}/{stem}-x.{ext}"));
        assertEquals(0, r.exitCode(), r::err);
        assertEquals(List.of("drums-x.flac", "no_drums-x.flac"), TestAudio.names(pattern.resolve("gain/input_wav")));

        for (String bad : List.of("../{stem}.{ext}", "/tmp/{stem}.{ext}", "{track}/{name}.{ext}", "{track}.{ext}", "a//{stem}")) {
            Path escape = dir.resolve("c");
            CliFixture.Run refused = CliFixture.run(args(escape, "--layout", "demucs", "--filename", bad));
            assertEquals(ExitCodes.USAGE, refused.exitCode(), bad);
            assertTrue(refused.errorLine().contains("filename (--filename) must be"), refused::err);
            assertFalse(Files.exists(escape), "refused before any work: " + bad);
        }
        assertFalse(Files.exists(dir.resolve("gain")), "nothing outside the output folder");
    }

    @Test
    void severalInputsOneBadOthersComplete(@TempDir Path dir) throws IOException {
        Path second = dir.resolve("in/input.flac");
        Files.createDirectories(second.getParent());
        Files.copy(fx.input, dir.resolve("in/song.wav"));
        Files.copy(fx.input, second); // a WAV named .flac: FFmpeg reads what it is
        Path bad = dir.resolve("in/broken.mp3");
        Files.writeString(bad, "not audio at all");
        Path out = dir.resolve("out");
        CliFixture.Run r = CliFixture.run(fx.input.toString(), bad.toString(), "--input", dir.resolve("in/song.wav").toString(),
                second.toString(), "-o", out.toString(), "-n", fx.model.toString(), "-d", "cpu", "--shifts", "0", "-j", "2");
        assertEquals(ExitCodes.SOME_FAILED, r.exitCode(), r::err);
        assertEquals(List.of("input", "input-2", "song"), TestAudio.names(out), "one folder per good track, names unique");
        for (String track : List.of("input", "input-2", "song")) {
            assertEquals(List.of("demucs_results", "instrumental.mp3", "progress.txt", "segments"), TestAudio.names(out.resolve(track)));
            float[][] vocals = TestAudio.readWav16(out.resolve(track + "/demucs_results/segment_000_vocals.wav"));
            assertEquals(fx.expected("vocals", 0, 1000), vocals[0][1000], CliFixture.TOLERANCE);
        }
        assertTrue(r.err().contains("3 of 4 inputs separated; failed:"), r::err);
        assertTrue(r.err().lines().anyMatch(l -> l.contains(bad.toString()) && l.startsWith("  ")), r::err);
    }

    @Test
    void repoResolvesNamesAndSegmentIsShorterOnly(@TempDir Path dir) throws IOException {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Files.copy(fx.model, repo.resolve("mine.onnx"));
        Path out = dir.resolve("out");
        CliFixture.Run r = CliFixture.run(fx.input.toString(), "-o", out.toString(), "--repo", repo.toString(), "-n", "mine",
                "-d", "cpu", "--shifts", "0", "-q", "--layout", "demucs", "--segment", "2.5");
        assertEquals(0, r.exitCode(), r::err);
        float[][] vocals = TestAudio.readWav16(out.resolve("mine/input/vocals.wav"));
        assertEquals(fx.frames, vocals[0].length);
        double worst = 0;
        for (int f = 0; f < fx.frames; f++) {
            worst = Math.max(worst, Math.abs(vocals[0][f] - fx.expected("vocals", 0, f)));
        }
        assertTrue(worst <= CliFixture.TOLERANCE, "worst " + worst);
        CliFixture.Run missing = CliFixture.run(fx.input.toString(), "-o", out.toString(), "--repo", repo.toString(), "-n", "other");
        assertEquals(ExitCodes.MODEL, missing.exitCode(), missing::err);
        assertTrue(missing.errorLine().contains("no model \"other\" in repository"), missing::err);
        CliFixture.Run longer = CliFixture.run(args(dir.resolve("long"), "--segment", "60"));
        assertNotEquals(0, longer.exitCode());
        assertTrue(longer.errorLine().toLowerCase().contains("segment"), longer::err);
    }

    private static Map<String, String> probe(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,sample_rate,bit_rate,sample_fmt", "-of", "default=nw=1", file.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), text);
        Map<String, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    /** Decodes with Debian's ffmpeg to 32-bit float, stereo, [channel][frame]. */
    static float[][] decode(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", file.toString(), "-f", "f32le", "-acodec", "pcm_f32le",
                "-ac", "2", "-").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(bytes);
        }
        assertEquals(0, p.waitFor(), "ffmpeg decodes " + file);
        ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        int frames = b.remaining() / 8;
        float[][] out = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            out[0][i] = b.getFloat();
            out[1][i] = b.getFloat();
        }
        return out;
    }
}
