package dev.demucs.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.demucs.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch dimension read from the file agrees with what ONNX Runtime reads from it. */
class OnnxHeaderTest {

    @TempDir
    Path dir;

    @Test
    void agreesWithOnnxRuntimeOnStaticAndDynamicModels() throws Exception {
        float[] gains = {1, 0.5f};
        Map<String, String> meta = TestModels.metadata(List.of("a", "b"), 44_100, 4096);
        List<Path> models = List.of(
                TestModels.twoInputGain(dir.resolve("static.onnx"), gains, gains, 4096, meta),
                TestModels.twoInputGainDynamicBatch(dir.resolve("dynamic.onnx"), gains, gains, 4096, meta),
                TestModels.singleGraphGain(dir.resolve("single.onnx"), gains, 4096, meta),
                TestModels.twoInputFixedCost(dir.resolve("loop.onnx"), gains, gains, 4096, 1, meta));
        OrtEnvironment env = SharedEnvironment.get();
        for (Path model : models) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                 OrtSession session = env.createSession(model.toString(), options)) {
                String first = session.getInputNames().iterator().next();
                long batch = ((TensorInfo) session.getInputInfo().get(first).getInfo()).getShape()[0];
                assertEquals(batch < 0, OnnxHeader.dynamicBatch(model), model.getFileName() + ": ORT reads batch " + batch);
            }
        }
        assertTrue(OnnxHeader.dynamicBatch(models.get(1)));
        assertFalse(OnnxHeader.dynamicBatch(models.get(0)));
    }

    @Test
    void isFalseForWhatIsNotAModel() throws Exception {
        assertFalse(OnnxHeader.dynamicBatch(dir.resolve("missing.onnx")));
        assertFalse(OnnxHeader.dynamicBatch(Files.writeString(dir.resolve("text.onnx"), "not a model\n")));
        assertFalse(OnnxHeader.dynamicBatch(Files.write(dir.resolve("empty.onnx"), new byte[0])));
        Path dynamic = TestModels.twoInputGainDynamicBatch(dir.resolve("d.onnx"), new float[]{1}, new float[]{1}, 4096, Map.of());
        byte[] bytes = Files.readAllBytes(dynamic);
        // cut inside the graph, before its inputs: no input is found
        assertFalse(OnnxHeader.dynamicBatch(Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(bytes, 40))));
        byte[] noise = new byte[4096];
        new java.util.SplittableRandom(3).nextBytes(noise);
        assertFalse(OnnxHeader.dynamicBatch(Files.write(dir.resolve("noise.onnx"), noise)));
    }
}
