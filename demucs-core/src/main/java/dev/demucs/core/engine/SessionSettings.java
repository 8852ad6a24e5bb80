package dev.demucs.core.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.InferenceException;

/**
 * The ONNX Runtime session options of every separation session, in one place.
 *
 * <p>All graph optimisations, ONNX Runtime's CPU memory arena off (it keeps peak-sized blocks for
 * the session's lifetime and grows from run to run), memory-pattern planning on, intra-op threads
 * as asked (0 = one per core). Measured on torchaudio's hdemucs_high in the two-input form
 * (335 MB), 3 runs of one 7.8 s segment, 2 threads: process peak 1.88 GB with ORT's defaults
 * (still growing at the second run), 1.37 GB with arena and pattern off, 1.33 GB with the arena
 * off and the pattern on, at no measurable speed cost.
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
     * @throws InferenceException when the options cannot be set or the CUDA provider cannot be
     *                            added (the message is the reason, one line)
     */
    public static OrtSession.SessionOptions options(Device device, int threads, CudaOptions cuda) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setCPUArenaAllocator(false);
            options.setMemoryPatternOptimization(true);
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
