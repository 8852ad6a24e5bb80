package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad input: its exit code and its one-line message. */
class BadInputTest {

    @TempDir
    static Path shared;
    static CliFixture fx;

    @BeforeAll
    static void setUp() {
        fx = new CliFixture(shared, 9);
    }

    static CliFixture.Run run(Path out, String input, String... more) {
        List<String> args = new ArrayList<>();
        if (input != null) {
            args.addAll(List.of("--input", input));
        }
        args.addAll(List.of("--output", out.toString(), "--model", fx.model.toString(), "--device", "cpu", "--threads", "1"));
        args.addAll(List.of(more));
        return CliFixture.run(args.toArray(String[]::new));
    }

    static void assertError(CliFixture.Run r, int code, String... fragments) {
        assertEquals(code, r.exitCode(), r.err());
        String line = r.errorLine();
        assertFalse(line.isEmpty(), "an error line in: " + r.err());
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
    }

    @Test
    void missingInputFlag(@TempDir Path out) {
        assertError(run(out, null), ExitCodes.USAGE, "--input");
    }

    @Test
    void missingInputFile(@TempDir Path out) {
        assertError(run(out, out.resolve("nope.mp3").toString()), ExitCodes.USAGE, "nope.mp3", "no such file");
    }

    @Test
    void badUrls(@TempDir Path out) {
        assertError(run(out, "ftp://example.com/a.mp3"), ExitCodes.USAGE, "ftp://example.com/a.mp3", "unsupported URL scheme");
        assertError(run(out, "http:///a.mp3"), ExitCodes.USAGE, "no host");
        // a well-formed URL nobody answers: an input problem, found when it is opened
        CliFixture.Run refused = run(out, "http://127.0.0.1:9/song.mp3?sig=secret");
        assertError(refused, ExitCodes.IO, "127.0.0.1:9/song.mp3");
        assertFalse(refused.err().contains("secret"), "signed URL query strings stay out of messages");
        assertFalse(Files.exists(out.resolve("progress.txt")), "rejected before any work");
    }

    @Test
    void notAudio(@TempDir Path out) throws Exception {
        Path text = out.resolve("readme.mp3");
        Files.writeString(text, "not audio\n".repeat(100));
        assertError(run(out.resolve("o"), text.toString()), ExitCodes.IO, "readme.mp3");
        assertFalse(Files.exists(out.resolve("o")), "rejected before any work (no model load, no output folder)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "a,b       | 'a' is not a number",
        "-5,10     | -5 is negative",
        "5,3       | strictly increasing",
        "5,5       | strictly increasing",
        "0         | 0 is not a cut point",
    })
    void badIntervalCut(String cut, String reason, @TempDir Path out) {
        assertError(run(out, fx.input.toString(), "--interval-cut", cut), ExitCodes.USAGE, "interval cut", reason);
        assertFalse(Files.exists(out.resolve("progress.txt")), "rejected before any work");
    }

    @Test
    void intervalCutPastTheEnd(@TempDir Path out) {
        assertError(run(out, fx.input.toString(), "--interval-cut", "3,12"), ExitCodes.USAGE, "12", "past the end",
                "input.wav");
        assertFalse(Files.exists(out.resolve("progress.txt")), "rejected before any work");
        assertFalse(Files.exists(out.resolve("segments")));
        assertFalse(Files.exists(out.resolve("instrumental.mp3")));
    }

    @Test
    void badSeparationFlags(@TempDir Path out) {
        String in = fx.input.toString();
        assertError(run(out, in, "--shifts", "-1"), ExitCodes.USAGE, "--shifts", "-1");
        assertError(run(out, in, "--shifts", "two"), ExitCodes.USAGE, "--shifts", "two");
        assertError(run(out, in, "--overlap", "1.5"), ExitCodes.USAGE, "--overlap", "1.5");
        assertError(run(out, in, "--overlap", "-0.1"), ExitCodes.USAGE, "--overlap");
        assertError(CliFixture.run("--input", in, "--output", out.toString(), "--model", fx.model.toString(), "--device", "tpu"),
                ExitCodes.USAGE, "--device", "tpu");
        assertError(run(out, in, "--batch", "0"), ExitCodes.USAGE, "--batch", "0");
        assertError(run(out, in, "--gpu-mem-limit-mb", "-5"), ExitCodes.USAGE, "--gpu-mem-limit-mb", "-5");
        assertError(run(out, in, "--cudnn-conv-algo", "fastest"), ExitCodes.USAGE, "--cudnn-conv-algo", "fastest");
        assertError(run(out, in, "--gpu-arena", "huge"), ExitCodes.USAGE, "--gpu-arena", "huge");
        assertError(run(out, in, "--segment-max", "0"), ExitCodes.USAGE, "--segment-max");
        assertError(run(out, in, "--mp3-bitrate", "1000"), ExitCodes.USAGE, "--mp3-bitrate");
        assertError(run(out, in, "--clip-mode", "loud"), ExitCodes.USAGE, "--clip-mode", "loud");
        assertError(run(out, in, "--two-stems", "guitar"), ExitCodes.USAGE, "guitar", "vocals");
        assertError(CliFixture.run("--bogus"), ExitCodes.USAGE, "--bogus");
    }

    @Test
    void missingModelFileSaysHowToProvideOne(@TempDir Path out) {
        CliFixture.Run r = CliFixture.run("--input", fx.input.toString(), "--output", out.toString(),
                "--model", out.resolve("missing.onnx").toString(), "--device", "cpu");
        assertError(r, ExitCodes.MODEL, "missing.onnx", "no such file", "--model");
    }

    @Test
    void invalidModelFileIsAModelProblem(@TempDir Path out) throws Exception {
        Path junk = out.resolve("junk.onnx");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        CliFixture.Run r = CliFixture.run("--input", fx.input.toString(), "--output", out.resolve("o").toString(),
                "--model", junk.toString(), "--device", "cpu");
        assertError(r, ExitCodes.MODEL, "junk.onnx");
    }

    @Test
    void verboseShowsTheStackTrace(@TempDir Path out) {
        CliFixture.Run r = run(out, out.resolve("nope.mp3").toString(), "--verbose");
        assertEquals(ExitCodes.USAGE, r.exitCode());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
