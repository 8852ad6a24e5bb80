package dev.demucs.cli;

import dev.demucs.cli.models.ModelsCommand;
import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Device;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.job.JobField;
import dev.demucs.job.JobFields;
import dev.demucs.job.JobLayout;
import dev.demucs.job.JobLimits;
import dev.demucs.job.JobListener;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate}: the deployment template's command. Separates one input (local file
 * or http(s) URL) into the template's layout under {@code --output}:
 * <pre>
 * demucs-separate --input song.mp3 --output ./results [--interval-cut "300,600,900"] [--all-stems]
 * demucs-separate a.mp3 b.flac -o out -j 2 [--layout demucs] [--float32 | --int24 | --flac | --mp3]
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
            "Several inputs (positional, as upstream demucs, or repeated --input) each get a folder under --output"
                + " named after the track; --layout demucs writes upstream's OUT/MODEL/TRACK/STEM.EXT instead.",
            ""},
        optionListHeading = "%nModel, engine and help:%n",
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:anything else (inference failure, interrupted)",
            "2:usage error or bad input (flags, --interval-cut, missing input file, bad URL)",
            "3:model problem (not found, not a usable model)",
            "4:input/output problem (input unreadable or not audio, output not writable)",
            "5-7:remote and runpod only (see their --help)",
            "8:several inputs and some failed (the summary lists which; the others are complete)"})
public final class DemucsCli implements Callable<Integer> {

    /** Help section of the option groups (template, output, messages). */
    private static final String GROUPS = "optionGroups";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE|URL", arity = "0..*",
            description = "Audio to separate, as upstream demucs takes it (several allowed; same as --input).")
    List<String> tracks = new ArrayList<>();

    @ArgGroup(validate = false, heading = "%nTemplate options:%n", order = 1)
    TemplateOptions template = new TemplateOptions();

    @ArgGroup(validate = false, heading = "%nOutput options:%n", order = 3)
    OutputOptions output = new OutputOptions();

    @ArgGroup(validate = false, heading = "%nMessages:%n", order = 4)
    RunOptions run = new RunOptions();

    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--repo", paramLabel = "DIR", order = 2,
            description = "A folder of models to resolve --model names in: NAME.onnx, NAME.json (bag) or NAME.th, as upstream's --repo.")
    Path repo;

    @Option(names = "--segment", paramLabel = "SECONDS", order = 2,
            description = "Model segment in seconds, shorter than the model's (default: the model's).")
    String segment;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "1", order = 2,
            description = "Separations run in parallel when several inputs are given (default: ${DEFAULT-VALUE});"
                    + " each has its own model session with --threads threads (default: the cores / N).")
    int jobs;

    /** The template's own flags: the five of its README (with --help). */
    static final class TemplateOptions {
        @Option(names = {"-i", "--input"}, paramLabel = "FILE|URL",
                description = "Audio to separate: a local file or an http(s) URL (repeatable).")
        List<String> inputs = new ArrayList<>();

        @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "results",
                description = "Output folder (default: ${DEFAULT-VALUE}); with several inputs each gets its own folder"
                        + " in it, named after the track.")
        Path output = Path.of("results");

        @Option(names = "--interval-cut", paramLabel = "SECONDS,...",
                description = "Cut points in seconds, e.g. \"300,600,900\" makes [0-300], [300-600], [600-900], [900-end].")
        String intervalCut;

        @Option(names = "--all-stems", description = "Also write every stem of the model per segment (drums, bass, other, ...).")
        boolean allStems;
    }

    /** What is written and how. */
    static final class OutputOptions {
        @Option(names = "--segment-max", paramLabel = "SECONDS", defaultValue = "" + (long) JobSpec.DEFAULT_SEGMENT_MAX_SECONDS,
                description = "Longest automatic segment without --interval-cut (default: ${DEFAULT-VALUE}).")
        String segmentMax = "" + (long) JobSpec.DEFAULT_SEGMENT_MAX_SECONDS;

        @Option(names = "--two-stems", paramLabel = "STEM", defaultValue = JobSpec.DEFAULT_TWO_STEM,
                description = "Stem written beside its complement 'instrum' (default: ${DEFAULT-VALUE}; with --layout"
                        + " demucs: every stem unless given, the complement is no_STEM).")
        String twoStems = JobSpec.DEFAULT_TWO_STEM;

        @Option(names = "--other-method", paramLabel = "add|minus|none", defaultValue = "add",
                description = "Two-stem complement: add = sum of the other stems, minus = mix - stem, none = no"
                        + " complement file (default: ${DEFAULT-VALUE}).")
        String otherMethod = "add";

        @Option(names = "--float32", description = "Stems as 32-bit float WAV.")
        boolean float32;

        @Option(names = "--int24", description = "Stems as 24-bit WAV.")
        boolean int24;

        @Option(names = "--flac", description = "Stems as FLAC (16-bit).")
        boolean flac;

        @Option(names = "--mp3", description = "Stems as MP3 (--mp3-bitrate, --mp3-preset).")
        boolean mp3;

        @Option(names = "--stem-format", paramLabel = "wav|int24|float32|flac|mp3",
                description = "Format of the stem files, the long form of the four flags above (default: wav, 16-bit).")
        String stemFormat;

        @Option(names = "--mp3-bitrate", paramLabel = "KBPS", defaultValue = "" + JobSpec.DEFAULT_MP3_BITRATE_KBPS,
                description = "Bitrate of instrumental.mp3 and of MP3 stems (default: ${DEFAULT-VALUE}).")
        String mp3Bitrate = "" + JobSpec.DEFAULT_MP3_BITRATE_KBPS;

        @Option(names = "--mp3-preset", paramLabel = "2..7", defaultValue = "" + JobSpec.DEFAULT_MP3_PRESET,
                description = "LAME quality of MP3 stems: 2 = best, 7 = fastest (default: ${DEFAULT-VALUE}).")
        String mp3Preset = "" + JobSpec.DEFAULT_MP3_PRESET;

        @Option(names = "--clip-mode", paramLabel = "rescale|clamp|none", defaultValue = "rescale",
                description = "Clipping prevention per written file (default: ${DEFAULT-VALUE}).")
        String clipMode = "rescale";

        @Option(names = "--layout", paramLabel = "template|demucs", defaultValue = "template",
                description = "template = the layout above; demucs = upstream's OUT/MODEL/--filename (default: ${DEFAULT-VALUE}).")
        String layout = "template";

        @Option(names = "--filename", paramLabel = "PATTERN", defaultValue = JobLayout.DEMUCS_FILENAME,
                description = "File of each stem with --layout demucs: {track}, {trackext}, {stem}, {ext}"
                        + " (default: ${DEFAULT-VALUE}).")
        String filename = JobLayout.DEMUCS_FILENAME;
    }

    /** Messages. */
    static final class RunOptions {
        @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
        boolean quiet;

        @Option(names = {"-v", "--verbose"}, description = "More messages; stack traces on errors.")
        boolean verbose;
    }

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
        // --help: the template's flags first, then output and messages, then the model and engine flags
        cl.getHelpSectionMap().put(GROUPS, CommandLine.Help::optionListGroupSections);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                help -> help.optionListExcludingGroups(help.commandSpec().options().stream().filter(o -> o.group() == null).toList()));
        List<String> order = new ArrayList<>(cl.getHelpSectionKeys());
        order.add(order.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING), GROUPS);
        cl.setHelpSectionKeys(order);
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
            if (cli.run.verbose) {
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
        List<String> inputs = new ArrayList<>();
        for (String in : concat(tracks, template.inputs)) {
            if (in != null && !in.isBlank()) {
                inputs.add(in.trim());
            }
        }
        if (inputs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --input (a local audio file or an http(s) URL; several may be given, also without --input)");
        }
        if (jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must be >= 1, got " + jobs);
        }
        // Every check on the arguments comes before any work (model download, decoding): the job's
        // fields go through the job's one factory, as the HTTP service's do, so a mistake gets the
        // same message here and there.
        Map<JobField, String> fields = jobFields();
        List<JobSpec> jobsToRun = plan(inputs, fields);
        JobSpec first = jobsToRun.get(0);
        SeparationOptions options = first.separationOptions(engine.engineOptions(spec));
        int workers = Math.min(jobs, jobsToRun.size());
        if (engine.threads == 0 && workers > 1) {
            options = options.toBuilder().intraOpThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / workers)).build();
        }
        ConsoleProgress progress = new ConsoleProgress(err, terminal, run.quiet);
        Cancellation cancellation = new Cancellation();
        // One input that is a URL is downloaded (through the fetcher) before anything else: FFmpeg
        // decodes the local copy, and a bad input is found before any model download.
        Path downloads = jobsToRun.size() == 1 && SeparationJob.isUrl(first.input())
                ? Files.createTempDirectory("demucs-input-") : null;
        JobInput single = null;
        try {
            if (jobsToRun.size() == 1) {
                single = JobInput.prepare(first.input(), downloads == null ? first.outputDir() : downloads, cancellation);
            }
            Map<JobSpec, String> failures = new LinkedHashMap<>();
            if (jobsToRun.size() == 1) {
                SeparationJob.preflight(first, single); // input is audio, cut points inside it: before any model download
            } else {
                for (JobSpec job : jobsToRun) {
                    try {
                        SeparationJob.preflight(job);
                    } catch (DemucsException e) {
                        failures.put(job, DemucsException.oneLine(e));
                    }
                }
            }

            ResolvedModel resolved = resolveModel(progress);
            if (run.verbose) {
                progress.info("model: " + resolved.name() + (resolved.description() == null ? "" : " (" + resolved.description() + ")")
                        + ", " + options + (workers > 1 ? ", " + workers + " jobs" : ""));
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
            try {
                if (jobsToRun.size() == 1) {
                    JobResult result;
                    try (Separator separator = Separator.open(resolved.bag(), options)) {
                        result = SeparationJob.run(first, single, separator, progress, cancellation);
                    }
                    progress.info(done(result));
                } else {
                    runAll(jobsToRun, failures, resolved, options, workers, progress, cancellation);
                }
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
            out.flush();
            if (jobsToRun.size() == 1) {
                return ExitCodes.OK;
            }
            progress.info(String.format(Locale.ROOT, "%d of %d inputs separated%s", jobsToRun.size() - failures.size(),
                    jobsToRun.size(), failures.isEmpty() ? "" : "; failed:"));
            for (Map.Entry<JobSpec, String> f : failures.entrySet()) {
                err.println("  " + f.getKey().input() + ": " + f.getValue());
            }
            err.flush();
            return failures.isEmpty() ? ExitCodes.OK : ExitCodes.SOME_FAILED;
        } finally {
            if (single != null) {
                single.close();
            }
            if (downloads != null) {
                Files.deleteIfExists(downloads);
            }
        }
    }

    /**
     * The job of each input. One input: {@code --output} itself (the template's command line);
     * several: each in its own folder under {@code --output} named after the track, a repeated name
     * made unique with "-2", "-3" ... With {@code --layout demucs} the files go to
     * {@code OUTPUT/MODEL/<filename pattern>} and the track name is {@code {track}}.
     */
    private List<JobSpec> plan(List<String> inputs, Map<JobField, String> fields) {
        JobFields parsed = JobFields.parse(inputs.get(0), fields);
        JobSpec probe = JobSpec.fromFields(parsed, template.output, JobLimits.NONE);
        boolean demucs = probe.layout() == JobSpec.Layout.DEMUCS;
        Path base = demucs ? template.output.resolve(JobLayout.trackName(engine.model() == null
                ? ModelResolver.DEFAULT_MODEL : engine.model())) : template.output;
        Map<String, Integer> seen = new HashMap<>();
        List<JobSpec> specs = new ArrayList<>();
        for (String input : inputs) {
            String name = JobLayout.trackName(input);
            int n = seen.merge(name.toLowerCase(Locale.ROOT), 1, Integer::sum);
            String track = n == 1 ? name : name + "-" + n;
            Path dir = demucs || inputs.size() == 1 ? base : base.resolve(track);
            JobSpec job = JobSpec.fromFields(parsed.withInput(input), dir, JobLimits.NONE);
            specs.add(demucs ? job.toBuilder().track(track).build() : job);
        }
        return specs;
    }

    /** Several jobs on {@code workers} threads, each with its own separator; failures are collected, not thrown. */
    private void runAll(List<JobSpec> specs, Map<JobSpec, String> failures, ResolvedModel resolved, SeparationOptions options,
                        int workers, ConsoleProgress progress, Cancellation cancellation) throws InterruptedException {
        BlockingQueue<Separator> pool = new LinkedBlockingQueue<>();
        ExecutorService executor = Executors.newFixedThreadPool(workers);
        Map<JobSpec, String> failed = new ConcurrentHashMap<>(failures);
        try {
            List<Future<?>> futures = new ArrayList<>();
            int index = 0;
            for (JobSpec job : specs) {
                int number = ++index;
                if (failed.containsKey(job)) {
                    continue;
                }
                futures.add(executor.submit(() -> {
                    try {
                        Separator separator = pool.poll();
                        if (separator == null) {
                            separator = Separator.open(resolved.bag(), options);
                        }
                        try {
                            JobResult result = SeparationJob.run(job, separator, JobListener.NONE, cancellation);
                            progress.info("[" + number + "/" + specs.size() + "] " + job.input() + ": " + done(result));
                        } finally {
                            pool.add(separator);
                        }
                    } catch (RuntimeException | Error e) {
                        failed.put(job, DemucsException.oneLine(e));
                        progress.info("[" + number + "/" + specs.size() + "] " + job.input() + ": failed: " + DemucsException.oneLine(e));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(1, TimeUnit.MINUTES);
            for (Separator s : pool) {
                s.close();
            }
        }
        if (cancellation.isCancelled()) {
            throw new SeparationCancelledException("cancelled");
        }
        failures.clear();
        for (JobSpec job : specs) {
            if (failed.containsKey(job)) {
                failures.put(job, failed.get(job));
            }
        }
    }

    private static String done(JobResult result) {
        if (result.instrumental() == null) {
            return String.format(Locale.ROOT, "done in %.1f s: %d stem files in %s", result.elapsedSeconds(),
                    result.stemFiles().size(), result.stemFiles().isEmpty() ? "" : result.stemFiles().get(0).getParent());
        }
        return String.format(Locale.ROOT, "done in %.1f s: %s (%d segments, %d stem files)",
                result.elapsedSeconds(), result.instrumental(), result.segments().size(), result.stemFiles().size());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a == null ? List.of() : a);
        all.addAll(b == null ? List.of() : b);
        return all;
    }

    /** The job's fields as the user typed them (text; picocli's defaults are the job's). */
    private Map<JobField, String> jobFields() {
        Map<JobField, String> fields = new EnumMap<>(JobField.class);
        if (template.intervalCut != null) {
            fields.put(JobField.INTERVAL_CUT, template.intervalCut);
        }
        fields.put(JobField.ALL_STEMS, Boolean.toString(template.allStems));
        fields.put(JobField.SEGMENT_MAX_SECONDS, output.segmentMax);
        boolean demucsLayout = output.layout.trim().equalsIgnoreCase(JobSpec.Layout.DEMUCS.name());
        if (!demucsLayout || spec.commandLine().getParseResult().hasMatchedOption("--two-stems")) {
            fields.put(JobField.TWO_STEMS, output.twoStems);
        }
        fields.put(JobField.MP3_BITRATE, output.mp3Bitrate);
        fields.put(JobField.CLIP_MODE, output.clipMode);
        fields.put(JobField.OTHER_METHOD, output.otherMethod);
        fields.put(JobField.MP3_PRESET, output.mp3Preset);
        fields.put(JobField.LAYOUT, output.layout);
        fields.put(JobField.FILENAME, output.filename);
        String format = stemFormat();
        if (format != null) {
            fields.put(JobField.STEM_FORMAT, format);
        }
        if (segment != null) {
            fields.put(JobField.SEGMENT, segment);
        }
        fields.putAll(engine.separatorFields());
        return fields;
    }

    /** --stem-format or one of its short flags; two of them are a usage error. */
    private String stemFormat() {
        List<String> chosen = new ArrayList<>();
        if (output.stemFormat != null) {
            chosen.add(output.stemFormat);
        }
        if (output.float32) {
            chosen.add("float32");
        }
        if (output.int24) {
            chosen.add("int24");
        }
        if (output.flac) {
            chosen.add("flac");
        }
        if (output.mp3) {
            chosen.add("mp3");
        }
        if (chosen.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "choose one stem format of --float32, --int24, --flac, --mp3 (--stem-format), got " + chosen);
        }
        return chosen.isEmpty() ? null : chosen.get(0);
    }

    private ResolvedModel resolveModel(ConsoleProgress progress) {
        try {
            return ModelResolver.defaults().withOffline(engine.offline).resolveInRepo(repo, engine.model(), progress);
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
                    + System.getProperty("os.arch") + ")",
                "MP3 encoder: " + AudioWriter.mp3Encoder()};
        }
    }
}
