package dev.demucs.importer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.demucs.importer.graph.HTDemucsConfig;
import dev.demucs.importer.graph.HTDemucsGraph;
import dev.demucs.importer.graph.StateDict;
import dev.demucs.importer.torch.PyGlobal;
import dev.demucs.importer.torch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full-size network: a checkpoint with the released htdemucs kwargs (channels 48, depth 4,
 * bottom_channels 512, 5 transformer layers of 8 heads, nfft 4096, dconv_mode 3, segment 39/5) and
 * the state-dict layout upstream's code produces for them ({@code htdemucs_state_shapes.txt},
 * 533 tensors, 41 984 456 parameters), filled with random fp16 weights generated here. It is
 * converted in a child JVM capped at a 768 MB heap (its time and peak resident memory are
 * printed), then one 7.8 s chunk runs in ONNX Runtime.
 */
class FullSizeTest {

    @TempDir
    Path tmp;

    @Test
    void releasedKwargsAndUpstreamLayoutAgree() {
        Map<String, long[]> shapes = RandomHtdemucs.stateShapes();
        assertEquals(533, shapes.size());
        assertEquals(41_984_456L, shapes.values().stream().mapToLong(Tensor::numel).sum());
        StateDict state = new StateDict(RandomHtdemucs.randomState(5), "random");
        HTDemucsGraph.build(HTDemucsConfig.released(RandomHtdemucs.SOURCES), state);
        assertEquals(List.of(), state.unused());
    }

    @Test
    void releasedSizeConvertsWithinBoundedMemoryAndRuns() throws Exception {
        Path ckpt = tmp.resolve("htdemucs_full_random.th");
        Map<String, TorchWriter.Half> state = new LinkedHashMap<>();
        RandomHtdemucs.randomState(1).forEach((k, t) -> state.put(k, new TorchWriter.Half(t.data(), t.shape())));
        Map<String, Object> kwargs = new LinkedHashMap<>(HTDemucsConfig.released(RandomHtdemucs.SOURCES).all());
        TorchWriter.write(ckpt, new PyGlobal("demucs.htdemucs", "HTDemucs"), kwargs, state);
        state.clear();
        Path onnx = tmp.resolve("htdemucs_full_random.onnx");

        // conversion in a child JVM with a 768 MB heap: proves the bound and measures time and peak RSS
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                ConvertMain.class.getName(), ckpt.toString(), onnx.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "conversion did not finish");
        double wall = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, p.exitValue(), out);
        System.out.printf("full-size htdemucs: checkpoint %.1f MB, ONNX %.1f MB, child JVM wall %.1f s, %s%n",
                Files.size(ckpt) / 1e6, Files.size(onnx) / 1e6, wall, out.trim());
        assertTrue(out.contains("params=41984456"), out);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(2);
            long s0 = System.nanoTime();
            try (OrtSession session = env.createSession(onnx.toString(), so)) {
                double load = (System.nanoTime() - s0) / 1e9;
                int length = 343980;
                Random rnd = new Random(3);
                float[] wave = new float[2 * length];
                for (int i = 0; i < wave.length; i++) {
                    wave[i] = (float) (0.1 * rnd.nextGaussian());
                }
                float[] spec = new float[4 * 2048 * 336];
                for (int i = 0; i < spec.length; i++) {
                    spec[i] = (float) (0.05 * rnd.nextGaussian());
                }
                double[] runs = new double[2];
                double[] cpu = new double[2];
                com.sun.management.OperatingSystemMXBean os =
                        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                for (int k = 0; k < runs.length; k++) {
                    long c0 = os.getProcessCpuTime();
                    long r0 = System.nanoTime();
                    try (OnnxTensor w = OnnxTensor.createTensor(env, FloatBuffer.wrap(wave), new long[]{1, 2, length});
                         OnnxTensor sp = OnnxTensor.createTensor(env, FloatBuffer.wrap(spec), new long[]{1, 4, 2048, 336});
                         OrtSession.Result res = session.run(Map.of("input", w, "spectrogram", sp))) {
                        runs[k] = (System.nanoTime() - r0) / 1e9;
                        cpu[k] = (os.getProcessCpuTime() - c0) / 1e9;
                        OnnxTensor f = (OnnxTensor) res.get("output").orElseThrow();
                        OnnxTensor t = (OnnxTensor) res.get("time_output").orElseThrow();
                        assertArrayEquals(new long[]{1, 4, 4, 2048, 336}, f.getInfo().getShape());
                        assertArrayEquals(new long[]{1, 4, 2, length}, t.getInfo().getShape());
                        FloatBuffer fb = f.getFloatBuffer();
                        for (int i = 0; i < fb.capacity(); i += 997) {
                            assertTrue(Float.isFinite(fb.get(i)), "finite frequency output");
                        }
                        FloatBuffer tb = t.getFloatBuffer();
                        for (int i = 0; i < tb.capacity(); i += 997) {
                            assertTrue(Float.isFinite(tb.get(i)), "finite time output");
                        }
                    }
                }
                System.out.printf("full-size htdemucs in ORT (2 intra-op threads): session load %.2f s, first chunk %.2f s"
                        + " (%.1f CPU s), second chunk %.2f s (%.1f CPU s); load average %.1f%n",
                        load, runs[0], cpu[0], runs[1], cpu[1], os.getSystemLoadAverage());
            }
        }
    }
}
