package dev.demucs.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.model.ModelForm;
import dev.demucs.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxSummaryTest {

    @TempDir
    Path tmp;

    @Test
    void twoInputModel() {
        Path f = TestFiles.gainModel(tmp.resolve("a.onnx"), TestModels.SIX_STEMS, 44_100);
        OnnxSummary s = OnnxSummary.read(f);
        assertEquals(Optional.of(ModelForm.TWO_INPUT), s.form());
        assertEquals(TestModels.OPSET, s.opset());
        assertEquals(TestModels.SIX_STEMS, s.sources());
        assertEquals(6, s.stemCount());
        assertEquals(44_100, s.sampleRate());
        assertEquals(TestFiles.SEGMENT, s.segmentSamples());
        int frames = TestModels.spectrogramFrames(TestFiles.SEGMENT);
        List<List<String>> inShapes = s.inputs().stream().map(OnnxSummary.Tensor::dims).toList();
        assertTrue(inShapes.contains(List.of("1", "2", "" + TestFiles.SEGMENT)), inShapes.toString());
        assertTrue(inShapes.contains(List.of("1", "4", "2048", "" + frames)), inShapes.toString());
        List<List<String>> outShapes = s.outputs().stream().map(OnnxSummary.Tensor::dims).toList();
        assertTrue(outShapes.contains(List.of("1", "6", "4", "2048", "" + frames)), outShapes.toString());
        assertTrue(outShapes.contains(List.of("1", "6", "2", "" + TestFiles.SEGMENT)), outShapes.toString());
        assertEquals("FLOAT", s.inputs().get(0).elementType());
        assertEquals("drums,bass,other,vocals,guitar,piano", s.metadata().get("sources"));
    }

    @Test
    void singleGraphModelCountsItsParameters() {
        int segment = 1000;
        Path f = TestModels.singleGraphRamp(tmp.resolve("s.onnx"), new float[] {1, 2, 3}, segment, Map.of());
        OnnxSummary s = OnnxSummary.read(f);
        assertEquals(Optional.of(ModelForm.SINGLE_GRAPH), s.form());
        // initializers: gains [1,3,1,1], ramp [1000], axis1 [1]
        assertEquals(3 + segment + 1, s.parameterCount());
        assertEquals(3, s.initializers());
        assertEquals(3, s.nodes());
        assertEquals(List.of(), s.sources(), "no metadata");
        assertEquals(3, s.stemCount());
        assertEquals(segment, s.segmentSamples(), "from the input shape");
        assertEquals(List.of("1", "2", "1000"), s.inputs().get(0).dims());
        assertEquals("mix", s.inputs().get(0).name());
    }

    @Test
    void dynamicBatchIsSymbolic() {
        float[] g = {1, 1, 1, 1};
        Path f = TestModels.twoInputGainDynamicBatch(tmp.resolve("d.onnx"), g, g, 2048, Map.of());
        OnnxSummary s = OnnxSummary.read(f);
        assertEquals("batch", s.inputs().get(0).dims().get(0));
        assertEquals(-1, s.inputs().get(0).dim(0));
        assertEquals(Optional.of(ModelForm.TWO_INPUT), s.form());
    }

    @Test
    void otherShapesAreNoDemucsForm() {
        Path f = TestModels.shapes(tmp.resolve("x.onnx"), List.of(new long[] {1, 2}), List.of(new long[] {1, 2}), Map.of());
        assertEquals(Optional.empty(), OnnxSummary.read(f).form());
    }

    @Test
    void notOnnxAndMissingFiles() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.onnx"), "this is not a protobuf model at all\n");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> OnnxSummary.read(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        assertThrows(ModelNotFoundException.class, () -> OnnxSummary.read(tmp.resolve("none.onnx")));
    }
}
