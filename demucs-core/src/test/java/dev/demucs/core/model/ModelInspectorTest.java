package dev.demucs.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.DemucsException;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.SessionPool;
import dev.demucs.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recognising the two forms by rank and shape; the specific error for each kind of bad model; no leaks. */
class ModelInspectorTest {

    static final int L = TestModels.SEGMENT_SAMPLES;
    static final int F = 336;

    @TempDir
    Path dir;

    @Test
    void twoInputFormWithMetadata() {
        Path p = TestModels.twoInputGain(dir.resolve("m.onnx"), new float[5], new float[5], L,
                TestModels.metadata(List.of("a", "b", "c", "d", "e"), 48_000, L));
        ModelSpec spec = ModelInspector.inspect(p);
        assertEquals(ModelForm.TWO_INPUT, spec.form());
        assertEquals(List.of("a", "b", "c", "d", "e"), spec.sources());
        assertEquals(48_000, spec.sampleRate());
        assertEquals(L, spec.segmentSamples());
        assertEquals(F, spec.spectrogramFrames());
        assertEquals(1, spec.maxBatch());
        assertEquals(List.of("input", "onnx::Slice_1"), spec.inputNames());
        assertEquals(List.of("output", "2841"), spec.outputNames());
        assertEquals("a,b,c,d,e", spec.metadata().get("sources"));
    }

    @Test
    void formsWithoutMetadataTakeNamesFromTheStemCount() {
        ModelSpec four = ModelInspector.inspect(TestModels.singleGraphGain(dir.resolve("4.onnx"), new float[4], 1000, Map.of()));
        assertEquals(ModelForm.SINGLE_GRAPH, four.form());
        assertEquals(ModelInspector.FOUR_STEMS, four.sources());
        assertEquals(44_100, four.sampleRate());
        assertEquals(1000, four.segmentSamples());
        ModelSpec six = ModelInspector.inspect(TestModels.twoInputGainDynamicBatch(dir.resolve("6.onnx"), new float[6], new float[6], 5000, Map.of()));
        assertEquals(ModelInspector.SIX_STEMS, six.sources());
        assertEquals(Integer.MAX_VALUE, six.maxBatch());
        assertEquals(5, six.spectrogramFrames());
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> ModelInspector.inspect(TestModels.singleGraphGain(dir.resolve("5.onnx"), new float[5], 1000, Map.of())));
        assertTrue(e.getMessage().contains("5 stems"), e.getMessage());
    }

    /** Tensors are told apart by rank and shape: inputs and outputs in the "wrong" order, with meaningless names. */
    @Test
    void recognisesTensorsByRankNotByOrderOrName() {
        Path p = TestModels.shapes(dir.resolve("swapped.onnx"),
                List.of(new long[]{1, 4, 2048, F}, new long[]{1, 2, L}),
                List.of(new long[]{1, 4, 2, L}, new long[]{1, 4, 4, 2048, F}), Map.of());
        ModelSpec spec = ModelInspector.inspect(p);
        assertEquals(ModelForm.TWO_INPUT, spec.form());
        assertEquals(List.of("in1", "in0"), spec.inputNames());
        assertEquals(List.of("out1", "out0"), spec.outputNames());
    }

    static String bad(Class<? extends DemucsException> type, Path model) {
        int before = SessionPool.shared().openSessions();
        DemucsException e = assertThrows(type, () -> Separator.open(model, SeparationOptions.defaults()));
        assertEquals(before, SessionPool.shared().openSessions(), "a session was left open");
        assertTrue(e.getMessage().contains(model.toString()), "the message names the file: " + e.getMessage());
        DemucsException again = assertThrows(type, () -> ModelInspector.inspect(model));
        assertEquals(e.getClass(), again.getClass());
        return e.getMessage();
    }

    @Test
    void missingFile() {
        bad(ModelNotFoundException.class, dir.resolve("nope.onnx"));
    }

    @Test
    void notOnnx() throws IOException {
        Path p = Files.writeString(dir.resolve("text.onnx"), "this is not a model\n");
        assertTrue(bad(InvalidModelException.class, p).contains("not a loadable ONNX model"));
    }

    @Test
    void truncated() throws IOException {
        Path good = TestModels.twoInputRamp(dir.resolve("good.onnx"), new float[4], new float[4], 20_000, Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path p = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(bytes, bytes.length / 2));
        assertTrue(bad(InvalidModelException.class, p).contains("not a loadable ONNX model"));
    }

    @Test
    void wrongRank() {
        Path p = TestModels.shapes(dir.resolve("rank.onnx"), List.of(new long[]{2, L}), List.of(new long[]{1, 4, 2, L}), Map.of());
        String m = bad(InvalidModelException.class, p);
        assertTrue(m.contains("rank 3") && m.contains("in0[2,343980]"), m);
    }

    @Test
    void threeChannels() {
        Path p = TestModels.shapes(dir.resolve("3ch.onnx"), List.of(new long[]{1, 3, L}), List.of(new long[]{1, 4, 3, L}), Map.of());
        String m = bad(InvalidModelException.class, p);
        assertTrue(m.contains("2 audio channels, found 3") && m.contains("in0[1,3,343980]"), m);
    }

    @Test
    void mismatchedSegmentBetweenTheTwoInputs() {
        Path p = TestModels.shapes(dir.resolve("mismatch.onnx"),
                List.of(new long[]{1, 2, L}, new long[]{1, 4, 2048, 300}),
                List.of(new long[]{1, 4, 4, 2048, 300}, new long[]{1, 4, 2, L}), Map.of());
        String m = bad(InvalidModelException.class, p);
        assertTrue(m.contains("mismatched segment") && m.contains("336") && m.contains("300"), m);
    }

    @Test
    void metadataThatContradictsTheGraph() {
        Path p = TestModels.singleGraphGain(dir.resolve("meta.onnx"), new float[4], 1000,
                TestModels.metadata(TestModels.FOUR_STEMS, 44_100, 2000));
        assertTrue(bad(InvalidModelException.class, p).contains("segment_samples=2000"));
        Path q = TestModels.singleGraphGain(dir.resolve("meta2.onnx"), new float[4], 1000,
                TestModels.metadata(List.of("a", "b"), 44_100, 1000));
        assertTrue(bad(InvalidModelException.class, q).contains("name 2 stems"));
    }
}
