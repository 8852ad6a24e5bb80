package dev.demucs.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of ONNX Runtime's CUDA execution provider, used only when a model runs on
 * {@link Device#cuda(int)} (or {@link Device#auto()} resolves to CUDA). Carried by
 * {@link SeparationOptions#cuda()}.
 *
 * <pre>{@code
 * CudaOptions cuda = CudaOptions.defaults()
 *         .withGpuMemLimitBytes(8L << 30)     // cap ONNX Runtime's GPU arena at 8 GiB
 *         .withTf32(true);                     // faster convolutions, ~1e-3 relative error
 * SeparationOptions opts = SeparationOptions.builder().device(Device.cuda(0)).cuda(cuda).build();
 * }</pre>
 *
 * <p>Defaults: cuDNN convolution algorithm search {@link ConvAlgoSearch#EXHAUSTIVE} (tried once
 * per input shape; Demucs runs one fixed shape, so the search is paid once per session), arena
 * growth {@link ArenaExtendStrategy#SAME_AS_REQUESTED} (ONNX Runtime's own default doubles the
 * arena, which can reserve nearly twice the peak for models with a few large activations), no
 * memory limit, and TF32 off so GPU results stay within float32 rounding of the CPU's.
 *
 * @param convAlgoSearch       how cuDNN picks convolution algorithms
 * @param arenaExtendStrategy  how the GPU memory arena grows
 * @param gpuMemLimitBytes     upper bound of the arena in bytes, 0 = no limit
 * @param tf32                 allow TensorFloat-32 math on Ampere and newer GPUs
 */
public record CudaOptions(ConvAlgoSearch convAlgoSearch, ArenaExtendStrategy arenaExtendStrategy,
                          long gpuMemLimitBytes, boolean tf32) {

    /** cuDNN convolution algorithm search ({@code cudnn_conv_algo_search}). */
    public enum ConvAlgoSearch {
        /** Benchmark every algorithm once per shape: the fastest steady state. */
        EXHAUSTIVE,
        /** cuDNN's heuristics, no benchmarking: quicker first run. */
        HEURISTIC,
        /** cuDNN's default algorithm. */
        DEFAULT
    }

    /** Growth of ONNX Runtime's GPU memory arena ({@code arena_extend_strategy}). */
    public enum ArenaExtendStrategy {
        /** Allocate the next power of two above the request (ONNX Runtime's default). */
        NEXT_POWER_OF_TWO("kNextPowerOfTwo"),
        /** Allocate exactly what is requested. */
        SAME_AS_REQUESTED("kSameAsRequested");

        private final String ortName;

        ArenaExtendStrategy(String ortName) {
            this.ortName = ortName;
        }
    }

    public CudaOptions {
        if (convAlgoSearch == null) {
            throw new IllegalArgumentException("convAlgoSearch must not be null");
        }
        if (arenaExtendStrategy == null) {
            throw new IllegalArgumentException("arenaExtendStrategy must not be null");
        }
        if (gpuMemLimitBytes < 0) {
            throw new IllegalArgumentException("gpuMemLimitBytes must be >= 0 (0 = no limit), got " + gpuMemLimitBytes);
        }
    }

    /** The defaults described in the class comment. */
    public static CudaOptions defaults() {
        return new CudaOptions(ConvAlgoSearch.EXHAUSTIVE, ArenaExtendStrategy.SAME_AS_REQUESTED, 0, false);
    }

    public CudaOptions withConvAlgoSearch(ConvAlgoSearch value) {
        return new CudaOptions(value, arenaExtendStrategy, gpuMemLimitBytes, tf32);
    }

    public CudaOptions withArenaExtendStrategy(ArenaExtendStrategy value) {
        return new CudaOptions(convAlgoSearch, value, gpuMemLimitBytes, tf32);
    }

    public CudaOptions withGpuMemLimitBytes(long value) {
        return new CudaOptions(convAlgoSearch, arenaExtendStrategy, value, tf32);
    }

    public CudaOptions withTf32(boolean value) {
        return new CudaOptions(convAlgoSearch, arenaExtendStrategy, gpuMemLimitBytes, value);
    }

    /**
     * These settings as ONNX Runtime CUDA provider option keys and values
     * ({@code OrtCUDAProviderOptions.add(key, value)}), without {@code device_id}.
     */
    public Map<String, String> providerOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cudnn_conv_algo_search", convAlgoSearch.name());
        m.put("arena_extend_strategy", arenaExtendStrategy.ortName);
        if (gpuMemLimitBytes > 0) {
            m.put("gpu_mem_limit", Long.toString(gpuMemLimitBytes));
        }
        m.put("use_tf32", tf32 ? "1" : "0");
        return m;
    }

    @Override
    public String toString() {
        return "CudaOptions{convAlgoSearch=" + convAlgoSearch.name().toLowerCase(Locale.ROOT)
                + ", arenaExtendStrategy=" + arenaExtendStrategy.name().toLowerCase(Locale.ROOT)
                + ", gpuMemLimitBytes=" + gpuMemLimitBytes + ", tf32=" + tf32 + "}";
    }
}
