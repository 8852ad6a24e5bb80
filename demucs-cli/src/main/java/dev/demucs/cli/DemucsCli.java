package dev.demucs.cli;

import dev.demucs.cli.models.ModelsCommand;
import dev.demucs.core.Cancellation;
import dev.demucs.core.Device;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.model.CudaProvider;
import dev.demucs.ffmpeg.ClipMode;
import dev.demucs.job.CutPoints;
import dev.demucs.job.JobInputException;
import dev.demucs.job.JobResult;
import dev.demucs.job.JobSpec;
import dev.demucs.job.SeparationJob;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.ResolvedModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate}: the deployment template's command. Separates one input (local file
 * or http(s) URL) into the template's layout under {@code --output}:
 * <pre>
 * demucs-separate --input song.mp3 --output ./results [--interval-cut "300,600,900"] [--all-stems]
 * </pre>
 * Subcommands: {@code serve} (the REST job service) and {@code models} (model management).
 * Exit codes: {@link ExitCodes}.
 */
@Command(name = "demucs-separate",
        mixinStandardHelpOptions = true,
        versionProvider = DemucsCli.Version.class,
        sortOptions = false,
        subcommands = {ServeCommand.class, ModelsCommand.class},
        description = {
            "Separates music into stems with Demucs models on ONNX Runtime and writes the deployment template's"
                + " layout under --output: progress.txt, instrumental.mp3 (mono, whole track),"
                + " segments/segment_NNN.m4a and demucs_results/segment_NNN_<stem>.wav (vocals and instrum;"
                + " every stem of the model with --all-stems).",
            "Without --interval-cut the input is cut every --segment-max seconds. The stems come from one"
                + " continuous separation of the whole track: no seams at the cut points.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:anything else (inference failure, interrupted)",
            "2:usage error or bad input (flags, --interval-cut, missing input file, bad URL)",
            "3:model problem (not found, not a usable model)",
            "4:input/output problem (input unreadable or not audio, output not writable)"})
public final class DemucsCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, paramLabel = "FILE|URL", description = "Audio to separate: a local file or an http(s) URL.")
    String input;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "results",
            description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--interval-cut", paramLabel = "SECONDS,...",
            description = "Cut points in seconds, e.g. \"300,600,900\" makes [0-300], [300-600], [600-900], [900-end].")
    String intervalCut;

    @Option(names = "--all-stems", description = "Also write every stem of the model per segment (drums, bass, other, ...).")
    boolean allStems;

    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--segment-max", paramLabel = "SECONDS", defaultValue = "300",
            description = "Longest automatic segment without --interval-cut (default: ${DEFAULT-VALUE}).")
    double segmentMax;

    @Option(names = "--two-stems", paramLabel = "STEM", defaultValue = JobSpec.DEFAULT_TWO_STEM,
            description = "Stem written beside its complement 'instrum' (default: ${DEFAULT-VALUE}).")
    String twoStems;

    @Option(names = "--mp3-bitrate", paramLabel = "KBPS", defaultValue = "" + JobSpec.DEFAULT_MP3_BITRATE_KBPS,
            description = "Bitrate of instrumental.mp3 (default: ${DEFAULT-VALUE}).")
    int mp3Bitrate;

    @Option(names = "--clip-mode", paramLabel = "rescale|clamp|none", defaultValue = "rescale",
            description = "Clipping prevention per written file (default: ${DEFAULT-VALUE}).")
    ClipMode clipMode;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "More messages; stack traces on errors.")
    boolean verbose;

    /** Whether stderr is a terminal (progress bar); tests force plain lines. */
    boolean terminal = System.console() != null;

    /** Runs the command and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command with the process' stdout and stderr; returns the exit code. */
    public static int execute(String... args) {
        return commandLine(new DemucsCli()).execute(args);
    }

    /**
     * The configured picocli command line: case-insensitive enum values, one-line errors
     * ({@code demucs-separate: error: ...}) and {@link ExitCodes}. Tests set its out/err writers.
     */
    public static CommandLine commandLine(DemucsCli cli) {
        CommandLine cl = new CommandLine(cli);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(ExitCodes::of);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getCommandSpec().root().name() + ": error: " + oneLine(ex.getMessage())
                    + " (see --help)");
            c.getErr().flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter err = c.getErr();
            err.println(c.getCommandSpec().root().name() + ": error: " + oneLine(message(ex)));
            if (cli.verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.of(ex);
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (input == null || input.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --input (a local audio file or an http(s) URL)");
        }
        // Every check on the arguments comes before any work (model download, decoding).
        List<Double> cuts = CutPoints.parse(intervalCut);
        SeparationOptions options = engine.separationOptions(spec);
        if (!(segmentMax > 0) || Double.isInfinite(segmentMax)) {
            throw usage("--segment-max: must be a number of seconds > 0, got " + segmentMax);
        }
        if (mp3Bitrate < 8 || mp3Bitrate > 320) {
            throw usage("--mp3-bitrate: must be between 8 and 320 kbps, got " + mp3Bitrate);
        }
        JobSpec job = JobSpec.builder(input.trim(), output).cutPointsSeconds(cuts).segmentMaxSeconds(segmentMax)
                .allStems(allStems).twoStem(twoStems).mp3BitrateKbps(mp3Bitrate).clipMode(clipMode).build();
        SeparationJob.preflight(job); // input exists and is audio, cut points inside it: before any download

        ConsoleProgress progress = new ConsoleProgress(err, terminal, quiet);
        ResolvedModel resolved = resolveModel(progress);
        if (verbose) {
            progress.info("model: " + resolved.name() + (resolved.description() == null ? "" : " (" + resolved.description() + ")")
                    + ", " + options);
            if (options.device().kind() == Device.Kind.AUTO) {
                CudaProvider.missingFromBuild().ifPresent(why -> progress.info("device auto: the CPU, since " + why));
            }
        }

        Cancellation cancellation = new Cancellation();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (finished.getCount() > 0) {
                err.println();
                err.println(spec.root().name() + ": interrupted, stopping (progress.txt will say error)");
                err.flush();
                cancellation.cancel();
                try {
                    finished.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "demucs-separate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        JobResult result;
        try (Separator separator = Separator.open(resolved.bag(), options)) {
            result = SeparationJob.run(job, separator, progress, cancellation);
        } catch (SeparationCancelledException e) {
            throw new SeparationCancelledException("interrupted: " + e.getMessage(), e);
        } finally {
            progress.endBar();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the latch just released
            }
        }
        progress.info(String.format(Locale.ROOT, "done in %.1f s: %s (%d segments, %d stem files)",
                result.elapsedSeconds(), result.instrumental(), result.segments().size(), result.stemFiles().size()));
        out.flush();
        return ExitCodes.OK;
    }

    private ResolvedModel resolveModel(ConsoleProgress progress) {
        String model = engine.model();
        if (model != null) {
            String m = model;
            String lower = m.toLowerCase(Locale.ROOT);
            boolean looksLikeFile = lower.endsWith(".onnx") || lower.endsWith(".json") || lower.endsWith(".th")
                    || m.contains("/") || m.contains(java.io.File.separator);
            if (looksLikeFile && !Files.exists(Path.of(m))) {
                throw new ModelNotFoundException("model '" + m + "': no such file; pass --model with an existing .onnx file"
                        + " or bag manifest .json, or a model name (see 'demucs-separate models list'; 'demucs-separate models"
                        + " import' converts a Demucs .th checkpoint)");
            }
        }
        return ModelResolver.defaults().withOffline(engine.offline).resolve(model, progress);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** {@code --version}: the project version from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = "unknown";
            try (InputStream in = DemucsCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    version = p.getProperty("version", version);
                }
            } catch (IOException ignored) {
                // keep "unknown"
            }
            return new String[] {"demucs-separate " + version,
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ")"};
        }
    }
}
