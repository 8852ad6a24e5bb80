package dev.demucs.core.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.InferenceException;

/**
 * The ONNX Runtime session options of every separation session, in one place.
 *
 * <p>All graph optimisations, ONNX Runtime's CPU memory arena off for a model with a fixed batch
 * dimension (with the arena, the buffers ONNX Runtime's planner keeps for later tensors of the same
 * shape stay in it for the session's lifetime: 3.4–5.1 GB) and on for a dynamic-batch model (its
 * reshapes leave shapes unknown to the planner, so it keeps nothing for later and the arena
 * recycles freed blocks without new page faults: 1.34 GB against 2.82 GB for the full-size
 * htdemucs, see the README's Performance section), memory-pattern planning off, intra-op threads
 * as asked (0 = one per core), idle intra-op threads sleeping rather than spinning. Measured on
 * the full-size htdemucs (42 M parameters, two-input form), one 7.8 s segment per run, 2 threads,
 * process peak (VmHWM): arena off + pattern on 3.09 GB, arena off + pattern off 2.60 GB, arena on
 * 3.4–5.1 GB (no page faults after the second run, but the arena never shrinks). With the arena
 * off every run maps its intermediates afresh (about 0.6 M minor page faults, 1.6–5 s of system
 * CPU per run on a busy 2-core host). Spinning off cut the user CPU per run from 10.6–11.4 s to
 * 7.7–8.1 s on that host.
 *
 * <p>Public only so that the benchmarks (on the class path) can make a bare session with the very
 * options the separator uses; the package is not exported from the module.
 */
public final class SessionSettings {

    private SessionSettings() {
    }

    /**
     * New options for a session on a device; the caller closes them.
     *
     * @param dynamicBatch whether the model's batch dimension is dynamic ({@link OnnxHeader#dynamicBatch})
     *
     * @throws InferenceException when the options cannot be set or the CUDA provider cannot be
     *                            added (the message is the reason, one line)
     */
    public static OrtSession.SessionOptions options(Device device, int threads, CudaOptions cuda, boolean dynamicBatch) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setCPUArenaAllocator(dynamicBatch && device.kind() == Device.Kind.CPU);
            options.setMemoryPatternOptimization(false);
            // Idle intra-op workers sleep instead of spinning: the host threads (STFT, iSTFT,
            // encoders) run during inference on the same cores.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
        } catch (OrtException e) {
            options.close();
            throw new InferenceException("cannot configure ONNX Runtime session options: " + e.getMessage(), e);
        }
        if (device.kind() == Device.Kind.CUDA) {
            try {
                if (CudaProvider.missingFromBuild().isPresent()) {
                    throw new OrtException(CudaProvider.missingFromBuild().get());
                }
                CudaProvider.add(options, device.deviceId(), cuda);
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                options.close();
                String reason = "CUDA device " + device.deviceId() + " cannot be used: " + e.getMessage()
                        + " (needs the onnxruntime_gpu jar, CUDA 12 and cuDNN 9; use device cpu or auto)";
                throw new InferenceException(reason, e);
            }
        }
        return options;
    }
}
