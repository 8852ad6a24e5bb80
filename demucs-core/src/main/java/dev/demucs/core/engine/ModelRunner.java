package dev.demucs.core.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.model.ModelForm;
import dev.demucs.core.model.ModelSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * One member of the bag as the engine uses it: the pooled session, what the model is, its
 * per-stem bag weights, and how many chunks go into one run.
 */
final class ModelRunner {

    final int index;
    final PooledSession entry;
    final ModelSpec spec;
    final float[] weights;
    /** Chunks per run: 1 for a fixed batch, options.maxBatchOn(the session's device) for a dynamic one. */
    final int batchCapacity;
    final Slot.Shape shape;

    ModelRunner(int index, PooledSession entry, float[] weights, int maxBatch) {
        this.index = index;
        this.entry = entry;
        this.spec = entry.spec();
        this.weights = weights;
        this.batchCapacity = Math.min(spec.maxBatch(), maxBatch);
        this.shape = new Slot.Shape(spec.form(), spec.sources().size(), spec.segmentSamples(), spec.spectrogramFrames(),
                batchCapacity);
    }

    boolean twoInput() {
        return spec.form() == ModelForm.TWO_INPUT;
    }

    /** Runs the model on the first {@code batch} chunks of the slot; the outputs land in the slot's buffers. */
    void run(Slot slot, int batch, OrtSession.RunOptions runOptions) throws OrtException {
        Slot.Tensors t = slot.tensors(batch);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        Map<String, OnnxTensor> outputs = new HashMap<>();
        inputs.put(spec.inputNames().get(0), t.wave());
        if (twoInput()) {
            inputs.put(spec.inputNames().get(1), t.spec());
            outputs.put(spec.outputNames().get(0), t.freq());
            outputs.put(spec.outputNames().get(1), t.time());
        } else {
            outputs.put(spec.outputNames().get(0), t.time());
        }
        try (OrtSession.Result ignored = entry.session().run(inputs, java.util.Set.of(), outputs, runOptions)) {
            // the outputs were written into the slot's pinned buffers
        }
    }
}
