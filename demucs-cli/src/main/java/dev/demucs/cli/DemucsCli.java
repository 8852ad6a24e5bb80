package dev.demucs.cli;

import dev.demucs.cli.models.ModelsCommand;
import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Device;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.job.JobField;
import dev.demucs.job.JobFields;
import dev.demucs.job.JobLimits;
import dev.demucs.job.JobResult;
import dev.demucs.job.JobSpec;
import dev.demucs.job.JobInput;
import dev.demucs.job.SeparationJob;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.ResolvedModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
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
 * Subcommands: {@code serve} (the REST job service), {@code models} (model management),
 * {@code remote} (a job on a running server) and {@code runpod} (a job on a rented GPU).
 * Exit codes: {@link ExitCodes}.
 */
@Command(name = "demucs-separate",
        mixinStandardHelpOptions = true,
        versionProvider = DemucsCli.Version.class,
        sortOptions = false,
        subcommands = {ServeCommand.class, ModelsCommand.class, RemoteCommand.class, RunPodCommand.class},
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
            "4:input/output problem (input unreadable or not audio, output not writable)",
            "5-7:remote and runpod only (see their --help)"})
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

    @Option(names = "--segment-max", paramLabel = "SECONDS", defaultValue = "" + (long) JobSpec.DEFAULT_SEGMENT_MAX_SECONDS,
            description = "Longest automatic segment without --interval-cut (default: ${DEFAULT-VALUE}).")
    String segmentMax;

    @Option(names = "--two-stems", paramLabel = "STEM", defaultValue = JobSpec.DEFAULT_TWO_STEM,
            description = "Stem written beside its complement 'instrum' (default: ${DEFAULT-VALUE}).")
    String twoStems;

    @Option(names = "--mp3-bitrate", paramLabel = "KBPS", defaultValue = "" + JobSpec.DEFAULT_MP3_BITRATE_KBPS,
            description = "Bitrate of instrumental.mp3 (default: ${DEFAULT-VALUE}).")
    String mp3Bitrate;

    @Option(names = "--clip-mode", paramLabel = "rescale|clamp|none", defaultValue = "rescale",
            description = "Clipping prevention per written file (default: ${DEFAULT-VALUE}).")
    String clipMode;

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
        // Every check on the arguments comes before any work (model download, decoding): the job's
        // fields go through the job's one factory, as the HTTP service's do, so a mistake gets the
        // same message here and there.
        JobSpec job = JobSpec.fromFields(JobFields.parse(input.trim(), jobFields()), output, JobLimits.NONE);
        SeparationOptions options = job.separationOptions(engine.engineOptions(spec));
        ConsoleProgress progress = new ConsoleProgress(err, terminal, quiet);
        Cancellation cancellation = new Cancellation();
        Path downloads = SeparationJob.isUrl(job.input()) ? Files.createTempDirectory("demucs-input-") : null;
        JobResult result;
        try (JobInput in = JobInput.prepare(job.input(), downloads == null ? output : downloads, cancellation)) {
            // a URL is downloaded (through the fetcher) before anything else: FFmpeg decodes the local copy
            SeparationJob.preflight(job, in); // input is audio, cut points inside it: before any model download
            result = separate(job, in, options, progress, err, cancellation);
        } finally {
            if (downloads != null) {
                Files.deleteIfExists(downloads);
            }
        }
        progress.info(String.format(Locale.ROOT, "done in %.1f s: %s (%d segments, %d stem files)",
                result.elapsedSeconds(), result.instrumental(), result.segments().size(), result.stemFiles().size()));
        out.flush();
        return ExitCodes.OK;
    }

    /** Loads the model and runs the job on the prepared input; Ctrl-C cancels it. */
    private JobResult separate(JobSpec job, JobInput in, SeparationOptions options, ConsoleProgress progress, PrintWriter err,
                               Cancellation cancellation) {
        ResolvedModel resolved = resolveModel(progress);
        if (verbose) {
            progress.info("model: " + resolved.name() + (resolved.description() == null ? "" : " (" + resolved.description() + ")")
                    + ", " + options);
            if (options.device().kind() == Device.Kind.AUTO) {
                Device.cudaMissingFromBuild().ifPresent(why -> progress.info("device auto: the CPU, since " + why));
            }
        }

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
        try (Separator separator = Separator.open(resolved.bag(), options)) {
            return SeparationJob.run(job, in, separator, progress, cancellation);
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
    }

    /** The job's fields as the user typed them (text; picocli's defaults are the job's). */
    private Map<JobField, String> jobFields() {
        Map<JobField, String> fields = new EnumMap<>(JobField.class);
        if (intervalCut != null) {
            fields.put(JobField.INTERVAL_CUT, intervalCut);
        }
        fields.put(JobField.ALL_STEMS, Boolean.toString(allStems));
        fields.put(JobField.SEGMENT_MAX_SECONDS, segmentMax);
        fields.put(JobField.TWO_STEMS, twoStems);
        fields.put(JobField.MP3_BITRATE, mp3Bitrate);
        fields.put(JobField.CLIP_MODE, clipMode);
        fields.putAll(engine.separatorFields());
        return fields;
    }

    private ResolvedModel resolveModel(ConsoleProgress progress) {
        try {
            return ModelResolver.defaults().withOffline(engine.offline).resolve(engine.model(), progress);
        } catch (ModelNotFoundException e) {
            throw new ModelNotFoundException("--model: " + e.getMessage() + " (see 'demucs-separate models list';"
                    + " 'demucs-separate models import' converts a Demucs .th checkpoint)", e);
        }
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    static String oneLine(String s) {
        return DemucsException.oneLine(s);
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
