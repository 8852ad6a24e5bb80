package dev.demucs.importer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Other sizes and options of the architecture, checked against upstream's own modules: the
 * checkpoints and expected branch outputs under {@code src/test/resources/other-sizes} were written
 * by upstream's HTDemucs classes (torch 1.13, fp16 weights as serialize_model stores them, random
 * weights with norm affines, LayerScales and embeddings of order one so every branch matters).
 * Each checkpoint is imported, run in ONNX Runtime on the same waveform and spectrogram, and both
 * branch outputs must match upstream's forward to float32 rounding (≥ 110 dB, max abs ≤ 2e-6 of the peak).
 *
 * <ul>
 *   <li>a: depth 3 with nfft 256, so the last frequency layer merges the branches (empty time
 *       layer, injection); channels_time ≠ channels; GroupNorm(2) from layer 1; context_enc 1,
 *       context 2; DConv in the encoder only with depth 1; freq_emb 0.3 / emb_scale 5;
 *       t_max_period 5000; t_weight_pos_embed 0.7; legacy torch.save layout.</li>
 *   <li>b: 6 sources; bottom_channels 16; 3 transformer layers, cross first, post-norm, ReLU, no
 *       LayerScale, group norms, norm_in_group, CAPE embedding; DConv in the decoder only without
 *       dilation (depth −2); no freq_emb.</li>
 *   <li>c: depth 4 with nfft 1024 (merge at layer 4), rewrite off, DConv in both, scaled
 *       positional embedding, no norm_in, no norm_out, t_hidden_scale 1.5.</li>
 *   <li>d: no transformer (t_layers 0) with bottom channels (upstream keeps unused samplers), no DConv.</li>
 * </ul>
 */
class OtherSizesTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "a_merge_groupnorm_legacy, 4, 86965, 128, 8",
            "b_6s_bottom_postnorm_cape, 6, 25976, 128, 8",
            "c_scaled_norewrite_depth4, 4, 60312, 512, 2",
            "d_no_transformer, 4, 4792, 128, 8",
    })
    void importMatchesUpstreamForward(String name, int sources, long params, int bins, int frames) throws Exception {
        Path ckpt = copy(name + ".th");
        Path onnx = tmp.resolve(name + ".onnx");
        ImportReport report = CheckpointImporter.convert(ckpt, onnx);
        assertEquals(sources, report.sources().size());
        assertEquals(512, report.segmentSamples());
        assertEquals(params, report.parameterCount(), "every state-dict parameter is used once");

        float[] mix = floats("mix.f32");
        float[] spec = floats(name + ".spec.f32");
        float[][] out = run(onnx, 1, mix, spec, sources, bins, frames);
        check(name + " freq", floats(name + ".freq.f32"), out[0]);
        check(name + " time", floats(name + ".time.f32"), out[1]);
    }

    /**
     * Imported with a dynamic batch, a batch of two different chunks (upstream's input and that
     * input reversed in time) gives for each chunk what the fixed-batch model gives for it alone:
     * the first still matches upstream's forward, and nothing leaks between the chunks of a batch
     * (a normalisation or a reshape across the batch would change both by far more than rounding).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "a_merge_groupnorm_legacy, 4, 128, 8",
            "b_6s_bottom_postnorm_cape, 6, 128, 8",
            "c_scaled_norewrite_depth4, 4, 512, 2",
            "d_no_transformer, 4, 128, 8",
    })
    void dynamicBatchRunsEachChunkAsTheFixedModel(String name, int sources, int bins, int frames) throws Exception {
        Path ckpt = copy(name + ".th");
        Path fixed = CheckpointImporter.convert(ckpt, tmp.resolve(name + ".onnx")).onnx();
        Path dynamic = CheckpointImporter.convert(ckpt, tmp.resolve(name + "_dynamic.onnx"), true).onnx();
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(dynamic.toString(), new OrtSession.SessionOptions())) {
            assertEquals(-1, ((TensorInfo) session.getInputInfo().get("input").getInfo()).getShape()[0]);
            assertEquals(-1, ((TensorInfo) session.getOutputInfo().get("output").getInfo()).getShape()[0]);
        }
        float[] mix = floats("mix.f32");
        float[] spec = floats(name + ".spec.f32");
        float[] mix2 = reversed(mix, 512);
        float[] spec2 = reversed(spec, frames);
        float[][] both = run(dynamic, 2, concat(mix, mix2), concat(spec, spec2), sources, bins, frames);
        float[][] first = run(fixed, 1, mix, spec, sources, bins, frames);
        float[][] second = run(fixed, 1, mix2, spec2, sources, bins, frames);
        for (int branch = 0; branch < 2; branch++) {
            String what = name + (branch == 0 ? " freq" : " time");
            int n = first[branch].length;
            check(what + " batch[0] vs upstream", floats(name + (branch == 0 ? ".freq.f32" : ".time.f32")),
                    Arrays.copyOfRange(both[branch], 0, n));
            same(what + " batch[0] vs fixed", first[branch], Arrays.copyOfRange(both[branch], 0, n));
            same(what + " batch[1] vs fixed", second[branch], Arrays.copyOfRange(both[branch], n, 2 * n));
        }
    }

    /** Runs the two-input model on a batch; returns {freq, time} after checking their shapes. */
    private static float[][] run(Path onnx, int batch, float[] mix, float[] spec, int sources, int bins, int frames) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor w = OnnxTensor.createTensor(env, FloatBuffer.wrap(mix), new long[]{batch, 2, 512});
             OnnxTensor s = OnnxTensor.createTensor(env, FloatBuffer.wrap(spec), new long[]{batch, 4, bins, frames});
             OrtSession.Result r = session.run(Map.of("input", w, "spectrogram", s))) {
            OnnxTensor freq = (OnnxTensor) r.get("output").orElseThrow();
            OnnxTensor time = (OnnxTensor) r.get("time_output").orElseThrow();
            assertArrayEquals(new long[]{batch, sources, 4, bins, frames}, freq.getInfo().getShape());
            assertArrayEquals(new long[]{batch, sources, 2, 512}, time.getInfo().getShape());
            return new float[][]{freq.getFloatBuffer().array(), time.getFloatBuffer().array()};
        }
    }

    /** The same values to float32 rounding (measured here: bit-identical). */
    private static void same(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        double maxAbs = Fixtures.maxAbs(expected, actual);
        double peak = 0;
        for (float v : expected) {
            peak = Math.max(peak, Math.abs(v));
        }
        System.out.printf("%s: max abs %.2e%s%n", what, maxAbs, Arrays.equals(expected, actual) ? " (bit-identical)" : "");
        assertTrue(maxAbs <= 1e-6 * Math.max(1, peak), what + ": max abs difference " + maxAbs);
    }

    /** Each row of {@code rowLength} values reversed (time reversal of [C, T] or [C, F, T]). */
    private static float[] reversed(float[] x, int rowLength) {
        float[] y = new float[x.length];
        for (int row = 0; row < x.length; row += rowLength) {
            for (int i = 0; i < rowLength; i++) {
                y[row + i] = x[row + rowLength - 1 - i];
            }
        }
        return y;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void check(String what, float[] ref, float[] out) {
        assertEquals(ref.length, out.length, what + " length");
        double snr = Fixtures.snrDb(ref, out);
        double maxAbs = Fixtures.maxAbs(ref, out);
        double peak = 0;
        for (float v : ref) {
            peak = Math.max(peak, Math.abs(v));
        }
        System.out.printf("%s: SNR %.1f dB, max abs %.2e (peak %.2f)%n", what, snr, maxAbs, peak);
        assertTrue(snr >= 110, what + ": SNR " + snr + " dB < 110 against upstream");
        assertTrue(maxAbs <= 2e-6 * Math.max(1, peak), what + ": max abs error " + maxAbs);
    }

    private Path copy(String resource) throws IOException {
        Path p = tmp.resolve(resource);
        try (InputStream in = getClass().getResourceAsStream("/other-sizes/" + resource)) {
            Files.copy(in, p);
        }
        return p;
    }

    private float[] floats(String resource) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/other-sizes/" + resource)) {
            byte[] b = in.readAllBytes();
            float[] f = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }
    }

}
