package dev.demucs.cli;

import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.StemSelection;
import dev.demucs.models.ModelResolver;
import dev.demucs.job.JobField;
import dev.demucs.job.JobFields;
import dev.demucs.job.JobInputException;
import dev.demucs.job.JobSpec;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The model and engine flags shared by the separation command and {@code serve}
 * (a picocli mixin): {@code --model (-n, --name) --offline --device (-d) --threads --shifts --overlap --seed --batch}
 * and the CUDA provider's settings ({@code --cudnn-conv-algo --gpu-arena --gpu-mem-limit-mb --tf32}),
 * which matter only on a GPU. {@code --shifts --overlap --seed} are job fields: read as text and
 * checked by the job's rules ({@link JobFields#parse}, {@link JobSpec}), with the job's messages;
 * the engine's own flags are checked by {@link SeparationOptions.Builder#build()}, reported under
 * the flag's name.
 */
public final class EngineOptions {

    /** SeparationOptions field → the flag that sets it, for error messages. */
    private static final Map<String, String> FLAG_OF_FIELD = Map.of(
            "intraOpThreads", "--threads", "maxBatch", "--batch", "gpuMemLimitBytes", "--gpu-mem-limit-mb");

    @Option(names = {"--model", "-n", "--name"}, paramLabel = "NAME|FILE",
            description = "Model: a registry name, an .onnx file, a bag manifest .json or a .th checkpoint (default: "
                    + ModelResolver.DEFAULT_MODEL + ").")
    String model;

    @Option(names = "--offline", description = "Never download: use only models already in the cache or given as files.")
    boolean offline;

    @Option(names = {"--device", "-d"}, paramLabel = "auto|cpu|cuda[:N]", defaultValue = "auto",
            description = "Where to run the model (default: ${DEFAULT-VALUE}: CUDA when it loads, else the CPU).")
    String device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime threads (default: 0 = one per core).")
    int threads;

    @Option(names = "--shifts", paramLabel = "N", defaultValue = "" + SeparationOptions.DEFAULT_SHIFTS,
            description = "Random time shifts averaged, 0 = none (default: ${DEFAULT-VALUE}).")
    String shifts;

    @Option(names = "--overlap", paramLabel = "FRACTION", defaultValue = "" + SeparationOptions.DEFAULT_OVERLAP,
            description = "Overlap between model chunks, in [0, 1) (default: ${DEFAULT-VALUE}).")
    String overlap;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + SeparationOptions.DEFAULT_SEED,
            description = "Seed of the random shifts (default: ${DEFAULT-VALUE}).")
    String seed;

    /** The job fields these flags give: shifts, overlap, seed, as text. */
    Map<JobField, String> separatorFields() {
        Map<JobField, String> fields = new EnumMap<>(JobField.class);
        fields.put(JobField.SHIFTS, shifts);
        fields.put(JobField.OVERLAP, overlap);
        fields.put(JobField.SEED, seed);
        return fields;
    }

    @Option(names = "--batch", paramLabel = "N",
            description = "Most chunks per model run when the model's batch dimension is dynamic; more keeps a GPU busy"
                    + " (default: " + SeparationOptions.DEFAULT_MAX_BATCH + " on a GPU, 1 on a CPU).")
    Integer batch;

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
     * The separation options these flags give, computing every stem: what {@code serve} runs jobs
     * with when they set none of their own.
     *
     * @throws CommandLine.ParameterException naming the flag and the value when one is wrong
     */
    SeparationOptions separationOptions(CommandSpec spec) {
        try {
            return JobSpec.separationOptions(engineOptions(spec), JobFields.parse(null, separatorFields()));
        } catch (JobInputException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * The separation options of the engine flags (device, threads), computing every stem, with the
     * default shifts, overlap and seed: a job applies its own ({@link JobSpec#separationOptions}).
     *
     * @throws CommandLine.ParameterException naming the flag and the value when one is out of range
     */
    SeparationOptions engineOptions(CommandSpec spec) {
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
            SeparationOptions.Builder options = SeparationOptions.builder();
            if (batch != null) {
                options.maxBatch(batch);
            }
            return options.device(parsedDevice).intraOpThreads(threads).cuda(cuda).stems(StemSelection.all()).build();
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
