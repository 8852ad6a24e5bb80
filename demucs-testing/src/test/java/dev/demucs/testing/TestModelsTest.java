package dev.demucs.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated models load in ONNX Runtime and compute what their javadoc says. */
class TestModelsTest {

    @TempDir
    Path dir;

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void twoInputGainComputesPerStemGains() throws Exception {
        int length = 3000;
        int frames = TestModels.spectrogramFrames(length);
        Path file = TestModels.twoInputGain(dir.resolve("g.onnx"), new float[]{1, 2}, new float[]{3, 4}, length,
                TestModels.metadata(List.of("a", "b"), 44100, length));
        float[] wave = new float[2 * length];
        for (int i = 0; i < wave.length; i++) {
            wave[i] = i * 0.001f;
        }
        float[] spec = new float[4 * 2048 * frames];
        for (int i = 0; i < spec.length; i++) {
            spec[i] = (i % 97) * 0.5f;
        }
        try (OrtSession s = ENV.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor w = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(wave), new long[]{1, 2, length});
             OnnxTensor sp = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(spec), new long[]{1, 4, 2048, frames});
             OrtSession.Result r = s.run(Map.of("input", w, "onnx::Slice_1", sp))) {
            assertEquals(List.of("input", "onnx::Slice_1"), List.copyOf(s.getInputNames()));
            assertEquals(List.of("output", "2841"), List.copyOf(s.getOutputNames()));
            assertEquals("a,b", s.getMetadata().getCustomMetadata().get("sources"));
            FloatBuffer freq = ((OnnxTensor) r.get(0)).getFloatBuffer();
            FloatBuffer time = ((OnnxTensor) r.get(1)).getFloatBuffer();
            assertArrayEquals(new long[]{1, 2, 4, 2048, frames}, ((TensorInfo) r.get(0).getInfo()).getShape());
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < wave.length; i += 7) {
                    assertEquals((k + 1) * wave[i], time.get(k * wave.length + i));
                }
                for (int i = 0; i < spec.length; i += 101) {
                    assertEquals((k + 3) * spec[i], freq.get(k * spec.length + i));
                }
            }
        }
    }

    @Test
    void singleGraphAndRampAndDynamicBatch() throws Exception {
        int length = 1000;
        Path single = TestModels.singleGraphGain(dir.resolve("s.onnx"), new float[]{0.5f, 2, 0, 1}, length, Map.of());
        Path ramp = TestModels.singleGraphRamp(dir.resolve("r.onnx"), new float[]{1, 2}, length, Map.of());
        Path dyn = TestModels.twoInputGainDynamicBatch(dir.resolve("d.onnx"), new float[]{1}, new float[]{0}, length, Map.of());
        float[] wave = new float[2 * length];
        java.util.Arrays.fill(wave, 1f);
        float[] rampValues = TestModels.ramp(length);
        try (OrtSession s = ENV.createSession(single.toString(), new OrtSession.SessionOptions());
             OrtSession rs = ENV.createSession(ramp.toString(), new OrtSession.SessionOptions());
             OrtSession ds = ENV.createSession(dyn.toString(), new OrtSession.SessionOptions());
             OnnxTensor w = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(wave), new long[]{1, 2, length});
             OrtSession.Result r = s.run(Map.of("mix", w));
             OrtSession.Result rr = rs.run(Map.of("mix", w))) {
            assertEquals(0, s.getMetadata().getCustomMetadata().size());
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            assertEquals(4 * 2 * length, out.remaining());
            assertEquals(2f, out.get(2 * length + 5));
            FloatBuffer ro = ((OnnxTensor) rr.get(0)).getFloatBuffer();
            assertEquals(2 * rampValues[123], ro.get(2 * length + length + 123));
            long[] batchShape = ((TensorInfo) ds.getInputInfo().get("input").getInfo()).getShape();
            assertArrayEquals(new long[]{-1, 2, length}, batchShape);
        }
    }

    @Test
    void fixedCostModelGivesTheGainModelsOutputsBitForBit() throws Exception {
        int length = 5000;
        int frames = TestModels.spectrogramFrames(length);
        float[] timeGains = {0.25f, -1.5f};
        float[] freqGains = {0.5f, 2f};
        Path gain = TestModels.twoInputGain(dir.resolve("g.onnx"), timeGains, freqGains, length, Map.of());
        Path busy = TestModels.twoInputFixedCost(dir.resolve("b.onnx"), timeGains, freqGains, length, 3, Map.of());
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        float[] wave = new float[2 * length];
        for (int i = 0; i < wave.length; i++) {
            wave[i] = (float) random.nextGaussian();
        }
        float[] spec = new float[4 * 2048 * frames];
        for (int i = 0; i < spec.length; i++) {
            spec[i] = (float) random.nextGaussian();
        }
        try (OrtSession g = ENV.createSession(gain.toString(), new OrtSession.SessionOptions());
             OrtSession b = ENV.createSession(busy.toString(), new OrtSession.SessionOptions());
             OnnxTensor w = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(wave), new long[]{1, 2, length});
             OnnxTensor sp = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(spec), new long[]{1, 4, 2048, frames});
             OrtSession.Result expected = g.run(Map.of("input", w, "onnx::Slice_1", sp));
             OrtSession.Result actual = b.run(Map.of("input", w, "onnx::Slice_1", sp))) {
            assertEquals(List.copyOf(g.getOutputNames()), List.copyOf(b.getOutputNames()));
            for (int o = 0; o < 2; o++) {
                float[] e = floats(((OnnxTensor) expected.get(o)).getFloatBuffer());
                float[] a = floats(((OnnxTensor) actual.get(o)).getFloatBuffer());
                assertArrayEquals(e, a, "output " + o);
            }
        }
    }

    private static float[] floats(FloatBuffer b) {
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
