package dev.demucs.benchmarks;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.engine.OnnxHeader;
import dev.demucs.core.engine.SessionSettings;
import dev.demucs.core.engine.SharedEnvironment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Runs a two-input Demucs model directly through ONNX Runtime's Java API, one chunk per call, on
 * fixed input tensors (seeded noise) in direct buffers: the cost of {@code session.run} alone,
 * with nothing of the separator around it. This is the "model itself" of the host-overhead
 * measurement and the ORT side of the per-chunk comparison with PyTorch.
 *
 * <p>Owns its session and input tensors; {@link #close()} releases them and is idempotent.
 */
public final class OrtChunkRunner implements AutoCloseable {

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private boolean closed;

    /**
     * A runner on its own CPU session for this model, made with the very session options the
     * separator uses ({@link SessionSettings}, public in core's non-exported engine package for this).
     *
     * @param model          a model file
     * @param intraOpThreads ONNX Runtime intra-op threads (0 = ORT's default)
     */
    public OrtChunkRunner(Path model, int intraOpThreads) throws OrtException {
        OrtEnvironment env = SharedEnvironment.get();
        try (OrtSession.SessionOptions options = SessionSettings.options(Device.cpu(), intraOpThreads, CudaOptions.defaults(),
                OnnxHeader.dynamicBatch(model))) {
            this.session = env.createSession(model.toString(), options);
        }
        try {
            SplittableRandom random = new SplittableRandom(1);
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
                if (shape[0] < 0) {
                    shape[0] = 1; // a dynamic batch: one chunk, as the separator runs it on a CPU
                }
                long size = 1;
                for (long d : shape) {
                    size *= d;
                }
                FloatBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(size * Float.BYTES))
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (long i = 0; i < size; i++) {
                    data.put((float) (0.1 * random.nextGaussian()));
                }
                data.flip();
                inputs.put(e.getKey(), OnnxTensor.createTensor(env, data, shape));
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One model run; returns a checksum of the first output so the work cannot be elided. */
    public float runOnce() throws OrtException {
        if (closed) {
            throw new IllegalStateException("runner is closed");
        }
        try (OrtSession.Result result = session.run(inputs)) {
            OnnxTensor first = (OnnxTensor) result.get(0);
            return first.getFloatBuffer().get(0);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inputs.values().forEach(OnnxTensor::close);
        inputs.clear();
        try {
            session.close();
        } catch (OrtException e) {
            // the session is gone either way
        }
    }
}
