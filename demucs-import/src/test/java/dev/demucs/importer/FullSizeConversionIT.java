package dev.demucs.importer;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.demucs.testing.RandomHtdemucs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full-size network converts within bounded memory: a checkpoint with the released htdemucs
 * kwargs and upstream's state-dict layout ({@link FullSizeTest}), filled with random fp16 weights,
 * is converted in a child JVM capped at a 768 MB heap, and the ONNX model it writes loads in ONNX
 * Runtime with the two-input form's inputs and outputs at the released segment. What a chunk of it
 * costs to run is measured by the benchmarks ({@code ort-chunk} of the performance report), not here.
 */
class FullSizeConversionIT {

    @TempDir
    Path tmp;

    @Test
    void releasedSizeConvertsWithinBoundedMemoryAndLoads() throws Exception {
        Path ckpt = RandomHtdemucs.writeCheckpoint(tmp.resolve("htdemucs_full_random.th"), 1);
        Path onnx = tmp.resolve("htdemucs_full_random.onnx");

        // conversion in a child JVM with a 768 MB heap: proves the bound and measures time and peak RSS
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                ConvertMain.class.getName(), ckpt.toString(), onnx.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "conversion did not finish");
        assertEquals(0, p.exitValue(), out);
        System.out.printf("full-size htdemucs: checkpoint %.1f MB, ONNX %.1f MB, %s%n",
                Files.size(ckpt) / 1e6, Files.size(onnx) / 1e6, out.trim());
        assertTrue(out.contains("params=41984456"), out);

        int length = 343_980;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
             OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx.toString(), so)) {
            assertArrayEquals(new long[]{1, 2, length}, shape(session.getInputInfo().get("input")));
            assertArrayEquals(new long[]{1, 4, 2048, 336}, shape(session.getInputInfo().get("spectrogram")));
            assertArrayEquals(new long[]{1, 4, 4, 2048, 336}, shape(session.getOutputInfo().get("output")));
            assertArrayEquals(new long[]{1, 4, 2, length}, shape(session.getOutputInfo().get("time_output")));
        }
    }

    private static long[] shape(NodeInfo info) {
        return ((TensorInfo) info.getInfo()).getShape();
    }
}
