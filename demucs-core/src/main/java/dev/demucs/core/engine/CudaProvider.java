package dev.demucs.core.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.demucs.core.CudaOptions;
import java.util.Map;
import java.util.Optional;

/**
 * The CUDA execution provider: whether this ONNX Runtime build has it, and adding it to session
 * options with {@link CudaOptions}.
 *
 * <p>The CPU jar ({@code com.microsoft.onnxruntime:onnxruntime}) has no CUDA provider, which
 * {@link OrtEnvironment#getAvailableProviders()} says at once; {@link #missingFromBuild()} lets
 * {@code auto} choose the CPU without trying (and without the 3–6 s the GPU jar spends extracting
 * its 583 MB provider library before a missing CUDA is noticed). The GPU jar
 * ({@code onnxruntime_gpu}, the {@code -Pgpu} build) lists CUDA; whether it loads depends on
 * CUDA 12 and cuDNN 9 being on the machine, which only {@link #add} finds out. The public face
 * of {@link #missingFromBuild()} is {@link dev.demucs.core.Device#cudaMissingFromBuild()}.
 */
public final class CudaProvider {

    /** Why CUDA is absent from the ONNX Runtime build on the classpath, empty when it is present. */
    private static final Optional<String> MISSING = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)
            ? Optional.empty()
            : Optional.of("this ONNX Runtime build has no CUDA provider (the CPU jar; the GPU build is mvn -Pgpu,"
                    + " or the demucs-separate:gpu image)");

    private CudaProvider() {
    }

    /** The reason this ONNX Runtime build cannot run CUDA at all, or empty when it has the provider. */
    public static Optional<String> missingFromBuild() {
        return MISSING;
    }

    /**
     * Appends the CUDA provider on one GPU to session options.
     *
     * @throws OrtException when the provider cannot load (no CUDA 12 / cuDNN 9, no such device)
     */
    static void add(OrtSession.SessionOptions options, int deviceId, CudaOptions cuda) throws OrtException {
        // The provider options log through ONNX Runtime's default logger, which exists only once an
        // environment does: without this, the first CUDA session of a process fails with "Attempt to
        // use DefaultLogger but none has been registered" instead of loading CUDA.
        SharedEnvironment.get();
        try (OrtCUDAProviderOptions provider = new OrtCUDAProviderOptions(deviceId)) {
            for (Map.Entry<String, String> e : cuda.providerOptions().entrySet()) {
                provider.add(e.getKey(), e.getValue());
            }
            options.addCUDA(provider);
        }
    }
}
