package dev.demucs.core.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.demucs.core.InferenceException;
import dev.demucs.core.model.ModelForm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The native buffers of one model run: direct, native-order {@link FloatBuffer}s for the inputs
 * and the (pinned) outputs, allocated once for the largest batch, and the {@link OnnxTensor}s that
 * wrap them without copying, created once per batch size.
 *
 * <pre>
 * wave  [B, 2, L]              input
 * spec  [B, 4, 2048, F]        input (two-input form only)
 * freq  [B, S, 4, 2048, F]     output (two-input form only)
 * time  [B, S, 2, L]           output: the time branch, or the stems of the single-graph form
 * </pre>
 *
 * Not thread-safe: a slot belongs to one run at a time (see {@link SlotPool}).
 */
final class Slot implements AutoCloseable {

    /** What a slot's buffers fit: models of the same form and shapes share slots. */
    record Shape(ModelForm form, int stems, int segmentSamples, int frames, int batch) {
        int waveSize() {
            return 2 * segmentSamples;
        }

        int specSize() {
            return 4 * 2048 * frames;
        }

        int timeSize() {
            return stems * 2 * segmentSamples;
        }

        int freqSize() {
            return stems * 4 * 2048 * frames;
        }
    }

    /** The tensors of one batch size. */
    record Tensors(OnnxTensor wave, OnnxTensor spec, OnnxTensor freq, OnnxTensor time) {
    }

    final Shape shape;
    final FloatBuffer wave;
    final FloatBuffer spec;
    final FloatBuffer freq;
    final FloatBuffer time;
    private final Map<Integer, Tensors> tensors = new HashMap<>();
    private boolean closed;

    Slot(Shape shape) {
        this.shape = shape;
        boolean two = shape.form() == ModelForm.TWO_INPUT;
        wave = direct((long) shape.batch() * shape.waveSize());
        time = direct((long) shape.batch() * shape.timeSize());
        spec = two ? direct((long) shape.batch() * shape.specSize()) : null;
        freq = two ? direct((long) shape.batch() * shape.freqSize()) : null;
    }

    private static FloatBuffer direct(long floats) {
        if (floats * Float.BYTES > Integer.MAX_VALUE) {
            throw new InferenceException("a model buffer of " + floats + " floats exceeds 2 GB; lower maxBatch");
        }
        return ByteBuffer.allocateDirect((int) floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The tensors for a run of {@code batch} chunks, created on first use. */
    Tensors tensors(int batch) {
        if (closed) {
            throw new IllegalStateException("slot closed");
        }
        Tensors t = tensors.get(batch);
        if (t == null) {
            int L = shape.segmentSamples();
            int F = shape.frames();
            int S = shape.stems();
            OnnxTensor w = null;
            OnnxTensor s = null;
            OnnxTensor f = null;
            OnnxTensor o = null;
            try {
                w = tensor(wave, batch * shape.waveSize(), new long[]{batch, 2, L});
                o = tensor(time, batch * shape.timeSize(), new long[]{batch, S, 2, L});
                if (spec != null) {
                    s = tensor(spec, batch * shape.specSize(), new long[]{batch, 4, 2048, F});
                    f = tensor(freq, batch * shape.freqSize(), new long[]{batch, S, 4, 2048, F});
                }
            } catch (OrtException e) {
                for (OnnxTensor x : new OnnxTensor[]{w, s, f, o}) {
                    if (x != null) {
                        x.close();
                    }
                }
                throw new InferenceException("cannot create tensors for a batch of " + batch + ": " + e.getMessage(), e);
            }
            t = new Tensors(w, s, f, o);
            tensors.put(batch, t);
        }
        return t;
    }

    private static OnnxTensor tensor(FloatBuffer buffer, int size, long[] shape) throws OrtException {
        FloatBuffer view = buffer.duplicate();
        view.position(0).limit(size);
        return OnnxTensor.createTensor(SharedEnvironment.get(), view.slice(), shape);
    }

    /** Closes the tensors; idempotent. The direct buffers are freed by the garbage collector. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Tensors t : tensors.values()) {
            for (OnnxTensor x : new OnnxTensor[]{t.wave(), t.spec(), t.freq(), t.time()}) {
                if (x != null) {
                    x.close();
                }
            }
        }
        tensors.clear();
    }

    /** Number of open tensors (leak checks). */
    int openTensors() {
        int n = 0;
        for (Tensors t : tensors.values()) {
            for (OnnxTensor x : new OnnxTensor[]{t.wave(), t.spec(), t.freq(), t.time()}) {
                if (x != null && !x.isClosed()) {
                    n++;
                }
            }
        }
        return n;
    }
}
