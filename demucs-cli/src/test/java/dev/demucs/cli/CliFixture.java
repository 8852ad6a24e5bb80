package dev.demucs.cli;

import dev.demucs.testing.TestAudio;
import dev.demucs.testing.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** A generated gain model, a test input and an in-process runner for the CLI. */
final class CliFixture {

    static final int RATE = 44100;
    static final List<String> SOURCES = TestModels.FOUR_STEMS; // drums, bass, other, vocals
    static final float[] TIME_GAINS = {0.3f, 0.2f, 0.4f, 0.5f};
    // Time-branch gains carry the signal; the frequency branch (STFT → model → iSTFT) is exercised
    // with zero gains (its numerics are demucs-core's own tests' business).
    static final float[] FREQ_GAINS = {0f, 0f, 0f, 0f};
    static final double TOLERANCE = 1.5 / 32767;

    final Path model;
    final Path input;
    final int frames;
    final float[][] mix;
    final double mean;

    CliFixture(Path dir, double seconds) {
        model = TestModels.twoInputGain(dir.resolve("gain.onnx"), TIME_GAINS, FREQ_GAINS, TestModels.SEGMENT_SAMPLES,
                TestModels.metadata(SOURCES, RATE, TestModels.SEGMENT_SAMPLES));
        input = dir.resolve("input.wav");
        frames = (int) Math.round(seconds * RATE);
        mix = TestAudio.writeStereoWav(input, RATE, frames, 7);
        double sum = 0;
        for (int i = 0; i < frames; i++) {
            sum += (mix[0][i] + (double) mix[1][i]) / 2;
        }
        mean = sum / frames;
    }

    static double gain(String stem) {
        int k = SOURCES.indexOf(stem);
        return TIME_GAINS[k] + FREQ_GAINS[k];
    }

    /** Expected value of a written stem; "instrum" = sum of every stem but vocals. */
    double expected(String stem, int channel, int frame) {
        double x = mix[channel][frame] - mean;
        if (stem.equals("instrum")) {
            return (gain("drums") + gain("bass") + gain("other")) * x + 3 * mean;
        }
        return gain(stem) * x + mean;
    }

    /** The result of one in-process run. */
    record Run(int exitCode, String out, String err) {
        /** The error line, when there is one. */
        String errorLine() {
            return err.lines().filter(l -> l.startsWith("demucs-separate: error: ")).findFirst().orElse("");
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        DemucsCli cli = new DemucsCli();
        cli.terminal = false;
        CommandLine cl = DemucsCli.commandLine(cli);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
