package dev.demucs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CudaOptionsTest {

    /** The keys and values are ONNX Runtime's CUDA provider option names (onnxruntime_c_api.h, cuda_provider_options.h). */
    @Test
    void defaultsAreExactAndBounded() {
        assertEquals(Map.of("cudnn_conv_algo_search", "EXHAUSTIVE", "arena_extend_strategy", "kSameAsRequested",
                "use_tf32", "0"), CudaOptions.defaults().providerOptions());
        CudaOptions tuned = CudaOptions.defaults().withConvAlgoSearch(CudaOptions.ConvAlgoSearch.HEURISTIC)
                .withArenaExtendStrategy(CudaOptions.ArenaExtendStrategy.NEXT_POWER_OF_TWO)
                .withGpuMemLimitBytes(8L << 30).withTf32(true);
        assertEquals(Map.of("cudnn_conv_algo_search", "HEURISTIC", "arena_extend_strategy", "kNextPowerOfTwo",
                "gpu_mem_limit", "8589934592", "use_tf32", "1"), tuned.providerOptions());
    }

    @Test
    void rejectsBadValuesNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaOptions.defaults().withGpuMemLimitBytes(-1));
        assertTrue(e.getMessage().contains("gpuMemLimitBytes") && e.getMessage().contains("-1"), e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> SeparationOptions.builder().cuda(null).build());
        assertTrue(n.getMessage().startsWith("cuda "), n.getMessage());
    }

    @Test
    void carriedBySeparationOptions() {
        SeparationOptions plain = SeparationOptions.defaults();
        assertEquals(CudaOptions.defaults(), plain.cuda());
        SeparationOptions tf32 = plain.toBuilder().cuda(CudaOptions.defaults().withTf32(true)).build();
        assertTrue(tf32.cuda().tf32());
        assertNotEquals(plain, tf32);
        assertEquals(tf32, tf32.toBuilder().build());
    }
}
