package dev.demucs.benchmarks;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.model.SessionCache;
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
 * <p>Owns its input tensors, not the session; {@link #close()} releases the tensors and is
 * idempotent. Sessions from {@link SessionCache} are released by {@link SessionCache#closeAll()}.
 */
public final class OrtChunkRunner implements AutoCloseable {

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private boolean closed;

    /**
     * A runner on the engine's own cached session for this model (so the very session options
     * the separator uses), on the CPU.
     *
     * @param model          a model file
     * @param intraOpThreads ONNX Runtime intra-op threads (0 = ORT's default)
     */
    public OrtChunkRunner(Path model, int intraOpThreads) throws OrtException {
        this(SessionCache.get(model, Device.cpu(), intraOpThreads, CudaOptions.defaults()).session());
    }

    /**
     * A runner on a session it borrows (not closed by {@link #close()}).
     *
     * @param session a session of a model with fixed input shapes
     */
    public OrtChunkRunner(OrtSession session) throws OrtException {
        this.session = session;
        OrtEnvironment env = SessionCache.environment();
        try {
            SplittableRandom random = new SplittableRandom(1);
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
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
    }
}
