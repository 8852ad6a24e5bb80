package dev.demucs.cli;

import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.StemSelection;
import dev.demucs.models.ModelResolver;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The model and engine flags shared by the separation command and {@code serve}
 * (a picocli mixin): {@code --model --offline --device --threads --shifts --overlap --seed --batch}
 * and the CUDA provider's settings ({@code --cudnn-conv-algo --gpu-arena --gpu-mem-limit-mb --tf32}),
 * which matter only on a GPU.
 * Validation is {@link SeparationOptions.Builder#build()}'s, reported under the flag's name.
 */
public final class EngineOptions {

    /** SeparationOptions field → the flag that sets it, for error messages. */
    private static final Map<String, String> FLAG_OF_FIELD = Map.of(
            "shifts", "--shifts", "overlap", "--overlap", "seed", "--seed", "intraOpThreads", "--threads",
            "maxBatch", "--batch", "gpuMemLimitBytes", "--gpu-mem-limit-mb");

    @Option(names = "--model", paramLabel = "NAME|FILE",
            description = "Model: a registry name, an .onnx file, a bag manifest .json or a .th checkpoint (default: "
                    + ModelResolver.DEFAULT_MODEL + ").")
    String model;

    @Option(names = "--offline", description = "Never download: use only models already in the cache or given as files.")
    boolean offline;

    @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]", defaultValue = "auto",
            description = "Where to run the model (default: ${DEFAULT-VALUE}: CUDA when it loads, else the CPU).")
    String device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime threads (default: 0 = one per core).")
    int threads;

    @Option(names = "--shifts", paramLabel = "N", defaultValue = "" + SeparationOptions.DEFAULT_SHIFTS,
            description = "Random time shifts averaged, 0 = none (default: ${DEFAULT-VALUE}).")
    int shifts;

    @Option(names = "--overlap", paramLabel = "FRACTION", defaultValue = "" + SeparationOptions.DEFAULT_OVERLAP,
            description = "Overlap between model chunks, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double overlap;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + SeparationOptions.DEFAULT_SEED,
            description = "Seed of the random shifts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + SeparationOptions.DEFAULT_MAX_BATCH,
            description = "Most chunks per model run when the model's batch dimension is dynamic; more keeps a GPU busy"
                    + " (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--cudnn-conv-algo", paramLabel = "exhaustive|heuristic|default", defaultValue = "exhaustive",
            description = "GPU: how cuDNN picks convolution algorithms (default: ${DEFAULT-VALUE}: benchmarked once per shape).")
    CudaOptions.ConvAlgoSearch convAlgoSearch;

    @Option(names = "--gpu-arena", paramLabel = "same_as_requested|next_power_of_two", defaultValue = "same_as_requested",
            description = "GPU: how ONNX Runtime's memory arena grows (default: ${DEFAULT-VALUE}).")
    CudaOptions.ArenaExtendStrategy arenaStrategy;

    @Option(names = "--gpu-mem-limit-mb", paramLabel = "MB", defaultValue = "0",
            description = "GPU: cap of ONNX Runtime's memory arena in MiB, 0 = none (default: ${DEFAULT-VALUE}).")
    long gpuMemLimitMb;

    @Option(names = "--tf32", description = "GPU: allow TensorFloat-32 math (faster on Ampere and newer; off by default"
            + " so GPU results match the CPU's to float32 rounding).")
    boolean tf32;

    /**
     * The separation options these flags give, computing every stem.
     *
     * @throws CommandLine.ParameterException naming the flag and the value when one is out of range
     */
    SeparationOptions separationOptions(CommandSpec spec) {
        Device parsedDevice;
        try {
            parsedDevice = Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device: " + e.getMessage(), e);
        }
        try {
            if (gpuMemLimitMb < 0 || gpuMemLimitMb > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException("gpuMemLimitBytes must be a number of MiB >= 0 (0 = no limit), got "
                        + gpuMemLimitMb);
            }
            CudaOptions cuda = new CudaOptions(convAlgoSearch, arenaStrategy, gpuMemLimitMb << 20, tf32);
            return SeparationOptions.builder().shifts(shifts).overlap(overlap).seed(seed).maxBatch(batch)
                    .device(parsedDevice).intraOpThreads(threads).cuda(cuda).stems(StemSelection.all()).build();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            int space = message.indexOf(' ');
            String flag = space < 0 ? null : FLAG_OF_FIELD.get(message.substring(0, space));
            String text = flag == null ? message : flag + ":" + message.substring(space);
            throw new CommandLine.ParameterException(spec.commandLine(), text, e);
        }
    }

    /** The model spec, {@code null} for the default model. */
    String model() {
        return model == null || model.isBlank() ? null : model.trim();
    }
}
