package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.testing.TestModels;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM started with a long class path (about 20,000 characters, as an application with many
 * jars has) opens a model through {@link SharedEnvironment}. Creating ONNX Runtime's environment
 * on the JVM's main thread instead kills such a JVM with SIGSEGV (a stack overflow in the
 * telemetry probe that regex-matches {@code /proc/self/cmdline}); the control child shows that
 * this command line does reach the crash, so the first child's success is the fix at work.
 */
class LongCommandLineTest {

    /** Dummy entries added to the class path; each is about 60 characters. */
    static final int PADDING_ENTRIES = 330;

    @TempDir
    Path dir;

    /** Child: opens the model named by args[1], creating the environment as args[0] says. */
    public static void main(String[] args) throws OrtException {
        OrtEnvironment env = "shared".equals(args[0]) ? SharedEnvironment.get() : OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(args[1], new OrtSession.SessionOptions())) {
            System.out.println("inputs " + String.join(",", session.getInputNames()));
        }
    }

    @Test
    void sessionOpensWithALongClassPath() throws Exception {
        Path model = TestModels.twoInputGain(dir.resolve("gain.onnx"), new float[] {0.5f, 0.25f}, new float[] {0, 0},
                TestModels.SEGMENT_SAMPLES, TestModels.metadata(List.of("vocals", "other"), 44_100, TestModels.SEGMENT_SAMPLES));

        Child shared = run("shared", model);
        assertEquals(0, shared.exit, shared.output);
        assertEquals("inputs input,onnx::Slice_1", shared.output.strip().lines().reduce((a, b) -> b).orElse(""), shared.output);
        assertTrue(SharedEnvironment.stackBytes(shared.commandLine.length()) > 4L * 1024 * 1024);

        assumeTrue(Files.isReadable(Path.of("/proc/self/cmdline")), "the crash needs Linux's /proc/self/cmdline");
        Child direct = run("direct", model);
        // the control shows this command line reaches the crash where ONNX Runtime runs its probe
        // (it was seen to skip it with CI set, which the children's environment therefore drops)
        assumeTrue(direct.exit != 0, "ONNX Runtime did not run its command-line probe in this environment, so the"
                + " control child could not show the crash: " + direct.output);
        assertTrue(direct.exit > 128, "expected the control child to die of a signal, got exit " + direct.exit + ": " + direct.output);
    }

    private record Child(int exit, String output, String commandLine) {
    }

    private Child run(String how, Path model) throws IOException, InterruptedException {
        String own = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String padding = IntStream.range(0, PADDING_ENTRIES)
                .mapToObj(i -> dir.resolve("no-such-library-" + i + ".jar").toString())
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", own + File.pathSeparator + padding,
                LongCommandLineTest.class.getName(), how, model.toString()));
        Path log = dir.resolve(how + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CI");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child " + how + " did not finish");
        return new Child(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), String.join(" ", cmd));
    }
}
