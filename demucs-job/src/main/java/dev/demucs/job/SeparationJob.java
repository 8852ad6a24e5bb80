package dev.demucs.job;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.Device;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.Separator;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.AsyncStemSink;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.ClipMode;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import dev.demucs.ffmpeg.MediaInfo;
import dev.demucs.ffmpeg.StemFileSink;
import dev.demucs.job.ProgressSnapshot.TaskState;
import dev.demucs.net.Fetcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The template's separation job: cut the input into segments, separate the whole track once,
 * write the stems per segment and the mono instrumental, and keep {@code progress.txt} current.
 *
 * <pre>{@code
 * try (Separator separator = Separator.open(model, SeparationOptions.defaults())) {
 *     JobResult result = SeparationJob.run(JobSpec.defaults("song.mp3", Path.of("results")),
 *             separator, JobListener.NONE, new Cancellation());
 * }
 * }</pre>
 *
 * <p>Steps, each reported in {@code progress.txt}:
 * <ol>
 *   <li>probe the input and check the cut points against its duration (past the end: a
 *       {@link JobInputException} before any work);</li>
 *   <li>{@code cutting}: one continuous decode at the model's rate that finds the input's exact
 *       length and the sample-exact segment boundaries (and checks them);</li>
 *   <li>{@code inference}: one streaming separation of the whole track (no seams at the cut
 *       points); a stem sink on its own thread splits the stems at the same boundaries into
 *       {@code demucs_results/segment_NNN_<stem>.wav} and streams the mono mean of the
 *       complement into {@code instrumental.mp3}; beside it, another thread decodes the input
 *       once more and encodes {@code segments/segment_NNN.m4a} at those boundaries (the AAC
 *       encodes cost about as much CPU as a gain model's whole separation, so they run while
 *       the model does, not before it);</li>
 *   <li>{@code conversion}: the files are finalised and moved into place.</li>
 * </ol>
 * Memory does not grow with the input's length. Everything is written under a hidden staging
 * folder in the output folder and moved to its final place only when the whole job succeeded,
 * {@code instrumental.mp3} last; on failure or cancellation the staging folder is deleted,
 * {@code progress.txt} says {@code error} with the reason in {@code details.error}, and the error
 * is rethrown. Outputs of an earlier run in the same folder are removed when a run starts.
 *
 * <p>The separator must produce the two-stem stem and either its {@code no_<stem>} complement or
 * every other source (open it with {@link dev.demucs.core.StemSelection#all()}, the default);
 * with {@code allStems} it must produce every source.
 */
public final class SeparationJob {

    private static final String STAGING = JobLayout.STAGING;
    private static final String SEGMENTS = JobLayout.SEGMENTS;
    private static final String RESULTS = JobLayout.RESULTS;
    private static final String INSTRUMENTAL = JobLayout.INSTRUMENTAL;
    /** AAC bitrate of the cut segments. */
    static final int SEGMENT_BITRATE_KBPS = 256;

    private static final int BLOCK_FRAMES = 1 << 16;
    private static final int QUEUE_BLOCKS = 8;

    private SeparationJob() {
    }

    /**
     * Runs one job to the end, blocking.
     *
     * @param spec         what to do
     * @param separator    an open separator (not closed here)
     * @param listener     told of every progress change
     * @param cancellation checked between blocks and chunks; {@link Cancellation#NONE} for none
     * @return the files written
     * @throws JobInputException          bad input (missing file, malformed URL, cut point past the end, unknown stem)
     * @throws AudioIOException           the input cannot be read or the output cannot be written
     * @throws SeparationCancelledException cancelled
     * @throws dev.demucs.core.DemucsException any other failure of the separation
     */
    public static JobResult run(JobSpec spec, Separator separator, JobListener listener, Cancellation cancellation) {
        return run(spec, null, separator, listener, cancellation);
    }

    /**
     * {@link #run(JobSpec, Separator, JobListener, Cancellation)} on an input already made local
     * ({@link JobInput#prepare}, e.g. a URL downloaded before the model was loaded); the caller
     * closes it.
     */
    public static JobResult run(JobSpec spec, JobInput given, Separator separator, JobListener listener,
                                Cancellation cancellation) {
        if (spec.layout() == JobSpec.Layout.DEMUCS) {
            return runDemucsLayout(spec, given, separator, cancellation);
        }
        Path out = spec.outputDir();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new AudioIOException("output folder " + out + ": cannot create it (" + e.getMessage() + ")", e);
        }
        ProgressTracker progress = new ProgressTracker(out, listener == null ? JobListener.NONE : listener);
        Path staging = out.resolve(STAGING);
        try {
            List<String> extraStems = checkStems(spec, separator);
            checkInput(spec.input());
            progress.phase(TaskState.RUNNING, TaskState.NO_WORK, TaskState.NO_WORK);
            JobLayout.removePreviousOutputs(out);
            Files.createDirectories(staging.resolve(SEGMENTS));
            Files.createDirectories(staging.resolve(RESULTS));

            int sampleRate = separator.model().sampleRate();
            JobInput local = given != null ? given : JobInput.prepare(spec.input(), staging, cancellation);
            FfmpegInput input = FfmpegInput.of(local.file().toString(), sampleRate, 2);
            MediaInfo info = local.naming(input::probe);
            if (checkAgainstDuration(spec, info.durationSeconds(), extraStems.size())) {
                progress.totalSegments((int) Math.min(Integer.MAX_VALUE, spec.segmentCount(info.durationSeconds())));
            }

            // 1. cutting: one continuous decode → the exact length and the segment boundaries
            Cut cut = local.naming(() -> cut(spec, input, sampleRate, null, cancellation,
                    cuttingProgress(progress, info.durationSeconds(), sampleRate)));
            // an input whose probe told no duration is checked now that its length is known
            checkAgainstDuration(spec, (double) cut.totalFrames / sampleRate, extraStems.size());
            progress.totalSegments(cut.segmentStarts.length);
            cancellation.throwIfCancelled();

            // 2. inference: one streaming separation, stems split at the same boundaries, and
            //    beside it segments/segment_NNN.m4a from a decode of their own
            progress.phase(TaskState.NO_WORK, TaskState.RUNNING, TaskState.NO_WORK);
            EncoderOptions mp3Options = new EncoderOptions(spec.mp3BitrateKbps(), spec.clipMode());
            SegmentStemSink stems = new SegmentStemSink(staging.resolve(RESULTS), staging.resolve(INSTRUMENTAL),
                    cut.segmentStarts, cut.totalFrames, spec.twoStem(), extraStems, spec.stemFormat(), spec.otherMethod(),
                    input, spec.stemEncoderOptions(), mp3Options, progress::completedSegments);
            Cancellation stop = new Cancellation(); // the job's cancellation, or a failure of either side
            try (AutoCloseable linked = cancellation.onCancel(stop::cancel);
                 SegmentEncoder segmentEncoder = new SegmentEncoder(
                         () -> local.naming(() -> cut(spec, input, sampleRate, staging.resolve(SEGMENTS), stop, f -> { })),
                         cut, stop)) {
                try (AsyncStemSink sink = new AsyncStemSink(stems, QUEUE_BLOCKS)) {
                    separator.separate(input, sink, new ChunkReporter(progress, listener), stop);
                } catch (RuntimeException e) {
                    segmentEncoder.rethrowFailure(); // the encodes failed first and stopped the separation
                    throw e;
                }
                segmentEncoder.await();
            }

            // 3. conversion: move everything into place, the instrumental last
            progress.phase(TaskState.NO_WORK, TaskState.NO_WORK, TaskState.RUNNING);
            cancellation.throwIfCancelled();
            List<Path> segments = new ArrayList<>();
            for (int i = 0; i < cut.segmentStarts.length; i++) {
                segments.add(out.resolve(SEGMENTS).resolve(JobLayout.segmentFile(i)));
            }
            List<Path> stemFiles = new ArrayList<>();
            for (Path p : stems.stemFiles()) {
                stemFiles.add(out.resolve(RESULTS).resolve(p.getFileName()));
            }
            moveContents(staging.resolve(SEGMENTS), out.resolve(SEGMENTS));
            moveContents(staging.resolve(RESULTS), out.resolve(RESULTS));
            move(staging.resolve(INSTRUMENTAL), out.resolve(INSTRUMENTAL));
            JobLayout.deleteTree(staging);
            progress.completed();
            return new JobResult(out.resolve(INSTRUMENTAL), segments, stemFiles, progress.elapsedSeconds());
        } catch (Throwable t) {
            try {
                JobLayout.removePreviousOutputs(out);
            } catch (IOException | RuntimeException e) {
                t.addSuppressed(e);
            }
            progress.failed(errorMessage(t)); // after the removal: a poller that reads "error" finds no output left
            if (t instanceof IOException io) {
                throw new AudioIOException("output folder " + out + ": " + io.getMessage(), io);
            }
            if (t instanceof UncheckedIOException io) {
                throw new AudioIOException(io.getMessage(), io);
            }
            throw sneaky(t);
        }
    }

    /**
     * Upstream Demucs' layout: one file per stem at {@code outputDir/<filename pattern>}, nothing
     * else (no segments, no {@code instrumental.mp3}, no {@code progress.txt}). Each file appears
     * under its name only when whole; on failure the files of this run are removed. A remote input
     * is downloaded (through the fetcher) beside the files and read from there.
     */
    private static JobResult runDemucsLayout(JobSpec spec, JobInput given, Separator separator, Cancellation cancellation) {
        long started = System.nanoTime();
        Path out = spec.outputDir();
        checkInput(spec.input());
        spec.checkStemsOf(separator.model().sources());
        int sampleRate = separator.model().sampleRate();
        String track = spec.trackName();
        String trackExt = JobLayout.trackExtension(spec.input());
        String ext = spec.stemFormat().extension();
        Path staging = out.resolve(JobLayout.STAGING + "-" + track);
        try {
            Files.createDirectories(out);
            JobInput local = given != null ? given : JobInput.prepare(spec.input(), staging, cancellation);
            FfmpegInput input = FfmpegInput.of(local.file().toString(), sampleRate, 2);
            local.naming(input::probe);
            StemFileSink files = new StemFileSink(
                    stem -> out.resolve(JobLayout.demucsFile(spec.filename(), track, trackExt, stem, ext)),
                    spec.stemFormat(), spec.stemEncoderOptions());
            try (AsyncStemSink sink = new AsyncStemSink(new StemChoiceSink(files, spec.twoStem(), spec.otherMethod(),
                    input), QUEUE_BLOCKS)) {
                separator.separate(input, sink, ProgressListener.NONE, cancellation);
            }
            return new JobResult(null, List.of(), files.files(), (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new AudioIOException("output folder " + out + ": " + e.getMessage(), e);
        } finally {
            try {
                JobLayout.deleteTree(staging);
            } catch (IOException ignored) {
                // best effort: the download is a temporary copy
            }
        }
    }

    /**
     * Checks a job before any expensive work (a model download, a separation): a local input
     * exists, FFmpeg can probe it as audio, and what needs its duration holds: the cut points lie
     * inside it, and the job's {@link JobLimits} (duration, files; the files counted without the
     * extra stems of {@code allStems}, which need the model); a URL input is well-formed (it is
     * downloaded, then probed, by {@link #run}). {@link #run} makes the same checks; callers use
     * this to fail fast.
     *
     * @return what FFmpeg says about a local input; empty for a URL
     * @throws JobInputException bad input (missing file, malformed URL, cut point past the end, a limit broken)
     * @throws AudioIOException  the input cannot be read or is not audio
     */
    public static Optional<MediaInfo> preflight(JobSpec spec) {
        checkInput(spec.input());
        if (isUrl(spec.input())) {
            return Optional.empty(); // known only once downloaded: see preflight(spec, input)
        }
        return Optional.of(preflight(spec, JobInput.prepare(spec.input(), Path.of("."), Cancellation.NONE)));
    }

    /**
     * {@link #preflight(JobSpec)} on an input already made local ({@link JobInput#prepare}).
     *
     * @return what FFmpeg says about the input
     */
    public static MediaInfo preflight(JobSpec spec, JobInput input) {
        MediaInfo info = input.naming(FfmpegInput.of(input.file().toString(), 44_100, 2)::probe);
        checkAgainstDuration(spec, info.durationSeconds(), 0);
        return info;
    }

    /** The one-line message written to {@code details.error}. */
    static String errorMessage(Throwable t) {
        String m = DemucsException.oneLine(t);
        boolean cancelled = t instanceof DemucsException d && d.reason() == DemucsException.Reason.CANCELLED;
        return cancelled && !m.toLowerCase(Locale.ROOT).contains("cancel") ? "cancelled: " + m : m;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
        throw (T) t;
    }

    private static List<String> checkStems(JobSpec spec, Separator separator) {
        List<String> outputs = separator.outputStems();
        List<String> sources = separator.model().sources();
        spec.checkStemsOf(sources);
        if (!outputs.contains(spec.twoStem())) {
            throw new IllegalArgumentException("the separator does not output '" + spec.twoStem()
                    + "' (its outputs are " + outputs + "); open it with StemSelection.all()");
        }
        boolean hasComplement = outputs.contains("no_" + spec.twoStem()) || outputs.containsAll(sources);
        if (!hasComplement) {
            throw new IllegalArgumentException("the separator outputs " + outputs + ": neither no_" + spec.twoStem()
                    + " nor every source to sum; open it with StemSelection.all()");
        }
        List<String> extra = new ArrayList<>();
        if (spec.allStems()) {
            if (!outputs.containsAll(sources)) {
                throw new IllegalArgumentException("all stems need every source " + sources + ", the separator outputs "
                        + outputs + "; open it with StemSelection.all()");
            }
            for (String s : sources) {
                if (!s.equals(spec.twoStem())) {
                    extra.add(s);
                }
            }
        }
        return extra;
    }

    /**
     * Checks an input before any work: a local file must exist and be readable; a URL must be
     * http(s) with a host. Whether it is audio is known only when it is opened.
     *
     * @throws JobInputException naming the input and the reason
     */
    public static void checkInput(String input) {
        if (input == null || input.isBlank()) {
            throw new JobInputException("input: missing (a local audio file or an http(s) URL)");
        }
        String in = input.trim();
        int colon = in.indexOf("://");
        if (colon > 0 && in.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            String scheme = in.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new JobInputException("input '" + redact(in) + "': unsupported URL scheme '" + scheme
                        + "' (use a local file or an http(s) URL)");
            }
            try {
                URI uri = new URI(in);
                if (uri.getHost() == null || uri.getHost().isBlank()) {
                    throw new JobInputException("input '" + redact(in) + "': the URL has no host");
                }
            } catch (URISyntaxException e) {
                throw new JobInputException("input '" + redact(in) + "': malformed URL (" + e.getReason() + ")");
            }
            return;
        }
        Path p;
        try {
            p = Path.of(in);
        } catch (RuntimeException e) {
            throw new JobInputException("input '" + in + "': not a valid file path");
        }
        if (!Files.exists(p)) {
            throw new JobInputException("input '" + in + "': no such file");
        }
        if (Files.isDirectory(p)) {
            throw new JobInputException("input '" + in + "': is a folder, not an audio file");
        }
        if (!Files.isReadable(p)) {
            throw new JobInputException("input '" + in + "': cannot be read (permission denied)");
        }
    }

    /** Whether an input names an http(s) URL (downloaded by {@link JobInput#prepare}) rather than a file. */
    public static boolean isUrl(String input) {
        String lower = input.trim().toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://");
    }

    /** A URL without its query string and user info (signed URLs carry secrets). */
    static String redact(String input) {
        return isUrl(input) ? Fetcher.redact(input) : input;
    }

    /**
     * What needs the input's duration: the cut points inside it, the caps on duration and files.
     *
     * @return false when the duration is not known (nothing checked)
     */
    private static boolean checkAgainstDuration(JobSpec spec, double durationSeconds, int extraStems) {
        if (!Double.isFinite(durationSeconds) || durationSeconds <= 0) {
            return false;
        }
        if (!spec.cutPointsSeconds().isEmpty()) {
            double last = spec.cutPointsSeconds().get(spec.cutPointsSeconds().size() - 1);
            if (last >= durationSeconds) {
                throw pastTheEnd(spec, last, durationSeconds);
            }
        }
        spec.limits().checkDuration(durationSeconds, spec.segmentCount(durationSeconds), extraStems);
        return true;
    }

    private static JobInputException pastTheEnd(JobSpec spec, double cut, double durationSeconds) {
        return new JobInputException("interval cut " + CutPoints.fmt(cut) + " s is at or past the end of input '"
                + redact(spec.input()) + "' (" + String.format(Locale.ROOT, "%.3f", durationSeconds) + " s long)");
    }

    /**
     * The segments' AAC encodes, on a thread of their own: {@link #await()} returns when they are
     * whole or throws why not; {@link #close()} stops them and waits for the thread, so nothing
     * writes into the staging folder after the job has let go of it. A failure cancels
     * {@code stop}, which stops the separation beside it.
     */
    private static final class SegmentEncoder implements AutoCloseable {
        private final Thread thread;
        private final Cancellation stop;
        private volatile Throwable failure;

        SegmentEncoder(java.util.function.Supplier<Cut> encode, Cut expected, Cancellation stop) {
            this.stop = stop;
            this.thread = new Thread(() -> {
                try {
                    Cut written = encode.get();
                    if (written.totalFrames() != expected.totalFrames()
                            || !java.util.Arrays.equals(written.segmentStarts(), expected.segmentStarts())) {
                        throw new AudioIOException("the input decoded to " + written.totalFrames()
                                + " frames the second time, " + expected.totalFrames() + " the first (did it change?)");
                    }
                } catch (Throwable t) {
                    if (!stop.isCancelled()) {
                        failure = t;
                        stop.cancel();
                    }
                }
            }, "demucs-segment-encoder");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits for the encodes to finish and throws their failure, if any. */
        void await() {
            joinUninterruptibly();
            rethrowFailure();
            stop.throwIfCancelled(); // the job was cancelled while they ran
        }

        /** Throws the encodes' failure when they failed (they then cancelled the separation). */
        void rethrowFailure() {
            Throwable t = failure;
            if (t != null) {
                joinUninterruptibly();
                throw sneaky(t);
            }
        }

        private void joinUninterruptibly() {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (thread.isAlive()) {
                stop.cancel();
                joinUninterruptibly();
            }
        }
    }

    /** The result of the cutting pass. */
    private record Cut(long[] segmentStarts, long totalFrames) {
    }

    /** Reports the frames decoded so far against the probed duration (nothing when it is unknown). */
    private static LongConsumer cuttingProgress(ProgressTracker progress, double durationSeconds,
                                                                   int sampleRate) {
        if (!Double.isFinite(durationSeconds) || durationSeconds <= 0) {
            return frames -> progress.cutting(0);
        }
        double total = durationSeconds * sampleRate;
        return frames -> progress.cutting(frames / total);
    }

    /**
     * One decode of the input: the segment starts and the length, checked against the cut points;
     * with {@code segmentsDir}, also the segments encoded there (null: only the decode).
     */
    private static Cut cut(JobSpec spec, FfmpegInput input, int sampleRate, Path segmentsDir,
                           Cancellation cancellation, LongConsumer decoded) {
        long[] explicit = spec.cutPointsSeconds().stream().mapToLong(s -> Math.round(s * sampleRate)).toArray();
        long autoFrames = Math.max(1, Math.round(spec.segmentMaxSeconds() * sampleRate));
        EncoderOptions m4a = new EncoderOptions(SEGMENT_BITRATE_KBPS, ClipMode.NONE);
        List<Long> starts = new ArrayList<>();
        float[][] block = new float[2][BLOCK_FRAMES];
        long position = 0;
        AudioWriter writer = null;
        boolean segmentOpen = false;
        long segmentEnd = 0;
        try (AudioSource source = input.open()) {
            while (true) {
                cancellation.throwIfCancelled();
                int n = source.read(block, 0, BLOCK_FRAMES);
                if (n < 0) {
                    break;
                }
                int offset = 0;
                while (offset < n) {
                    if (!segmentOpen) {
                        int index = starts.size();
                        starts.add(position);
                        segmentEnd = explicit.length == 0 ? position + autoFrames
                                : index < explicit.length ? explicit[index] : Long.MAX_VALUE;
                        segmentOpen = true;
                        if (segmentsDir != null) {
                            writer = AudioWriter.open(segmentsDir.resolve(JobLayout.segmentFile(index)),
                                    AudioFormat.M4A, sampleRate, 2, m4a);
                        }
                    }
                    int take = (int) Math.min(n - offset, segmentEnd - position);
                    if (writer != null) {
                        writer.write(block, offset, take);
                    }
                    offset += take;
                    position += take;
                    if (position == segmentEnd) {
                        segmentOpen = false;
                        if (writer != null) {
                            writer.complete();
                            writer.close();
                            writer = null;
                        }
                    }
                }
                decoded.accept(position);
            }
            if (writer != null) {
                writer.complete();
                writer.close();
                writer = null;
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        if (position == 0) {
            throw new JobInputException("input '" + redact(spec.input()) + "': contains no audio samples");
        }
        if (explicit.length > 0 && explicit[explicit.length - 1] >= position) {
            throw pastTheEnd(spec, spec.cutPointsSeconds().get(explicit.length - 1), (double) position / sampleRate);
        }
        return new Cut(starts.stream().mapToLong(Long::longValue).toArray(), position);
    }

    private static void moveContents(Path from, Path to) throws IOException {
        if (!Files.exists(to)) {
            move(from, to);
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(from)) {
            for (Path p : ds) {
                move(p, to.resolve(p.getFileName()));
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Forwards the separator's chunk progress to progress.txt. */
    private static final class ChunkReporter implements ProgressListener {
        private final ProgressTracker progress;
        private final JobListener listener;

        ChunkReporter(ProgressTracker progress, JobListener listener) {
            this.progress = progress;
            this.listener = listener == null ? JobListener.NONE : listener;
        }

        /** Also at each chunk's start, so the elapsed time moves during the first (slow) runs. */
        @Override
        public void onChunkStart(ChunkProgress chunk) {
            progress.inference(chunk.percent());
        }

        @Override
        public void onChunkEnd(ChunkProgress chunk) {
            progress.inference(chunk.percent());
        }

        @Override
        public void onDeviceFallback(Device used, String reason) {
            try {
                listener.onDeviceFallback(used, reason);
            } catch (RuntimeException ignored) {
                // listeners must not throw
            }
        }
    }
}
