package dev.demucs.job;

import java.util.List;
import java.util.Locale;

/**
 * An operator's caps on what one job may cost, on top of the job's own rules ({@link JobSpec}):
 * a job that breaks one fails with a {@link JobInputException} naming the limit. The HTTP service
 * uses {@link #SERVER} unless its operator says otherwise; the command line uses {@link #NONE}
 * (the user pays for their own jobs).
 *
 * <p>Checked when the job is made ({@link JobSpec}'s constructor): {@code shifts},
 * {@code overlap}, the segment length and, with cut points, the number of files. Checked as soon
 * as the input's duration is known ({@link SeparationJob#preflight}, and at the start of
 * {@link SeparationJob#run}): the duration and the number of files.
 *
 * @param maxShifts         most random shifts per job
 * @param maxOverlap        largest chunk overlap, in [0, 1]; 1 = no cap (the job's rule is &lt; 1)
 * @param minSegmentSeconds shortest segment, seconds: {@code segment_max_seconds} and the gaps
 *                          between cut points; 0 = no cap
 * @param maxInputSeconds   longest input, seconds; 0 = no cap
 * @param maxFilesPerJob    most files one job writes (segments × files per segment, and
 *                          {@code instrumental.mp3}); 0 = no cap
 */
public record JobLimits(int maxShifts, double maxOverlap, double minSegmentSeconds, double maxInputSeconds,
                        long maxFilesPerJob) {

    /** The server's default {@code max_shifts}: ten shifts cost ten separations. */
    public static final int SERVER_MAX_SHIFTS = 10;
    /** The server's default {@code max_overlap}: 0.5 doubles the chunks of no overlap. */
    public static final double SERVER_MAX_OVERLAP = 0.5;
    /** The server's default {@code min_segment_seconds}. */
    public static final double SERVER_MIN_SEGMENT_SECONDS = 1;
    /** The server's default {@code max_input_seconds}: four hours. */
    public static final double SERVER_MAX_INPUT_SECONDS = 4 * 3600;
    /** The server's default {@code max_files_per_job}. */
    public static final long SERVER_MAX_FILES_PER_JOB = 2000;

    /** No caps: the command line's. */
    public static final JobLimits NONE = new JobLimits(Integer.MAX_VALUE, 1, 0, 0, 0);
    /** The HTTP service's defaults. */
    public static final JobLimits SERVER = new JobLimits(SERVER_MAX_SHIFTS, SERVER_MAX_OVERLAP,
            SERVER_MIN_SEGMENT_SECONDS, SERVER_MAX_INPUT_SECONDS, SERVER_MAX_FILES_PER_JOB);

    /**
     * @throws IllegalArgumentException naming the limit (as its flag's snake_case name) and the value
     */
    public JobLimits {
        if (maxShifts < 0) {
            throw bad("max_shifts", maxShifts, "must be >= 0");
        }
        if (!(maxOverlap >= 0 && maxOverlap <= 1)) {
            throw bad("max_overlap", maxOverlap, "must be in [0, 1] (1 = no cap)");
        }
        if (!(minSegmentSeconds >= 0) || Double.isInfinite(minSegmentSeconds)) {
            throw bad("min_segment_seconds", minSegmentSeconds, "must be a finite number of seconds >= 0 (0 = no cap)");
        }
        if (!(maxInputSeconds >= 0) || Double.isInfinite(maxInputSeconds)) {
            throw bad("max_input_seconds", maxInputSeconds, "must be a finite number of seconds >= 0 (0 = no cap)");
        }
        if (maxFilesPerJob < 0) {
            throw bad("max_files_per_job", maxFilesPerJob, "must be >= 0 (0 = no cap)");
        }
    }

    private static IllegalArgumentException bad(String name, Object value, String rule) {
        return new IllegalArgumentException(name + " " + rule + ", got " + value);
    }

    /** The caps that need only the job's options; {@code null} = not set by the job. */
    void checkOptions(List<Double> cutPointsSeconds, double segmentMaxSeconds, Integer shifts, Double overlap) {
        if (shifts != null && shifts > maxShifts) {
            throw over(JobField.SHIFTS, "at most " + maxShifts, "max_shifts", shifts);
        }
        if (overlap != null && overlap > maxOverlap) {
            throw over(JobField.OVERLAP, "at most " + CutPoints.fmt(maxOverlap), "max_overlap", CutPoints.fmt(overlap));
        }
        if (cutPointsSeconds.isEmpty() && segmentMaxSeconds < minSegmentSeconds) {
            throw over(JobField.SEGMENT_MAX_SECONDS, "at least " + CutPoints.fmt(minSegmentSeconds) + " s",
                    "min_segment_seconds", CutPoints.fmt(segmentMaxSeconds));
        }
        double previous = 0;
        for (int i = 0; i < cutPointsSeconds.size(); i++) {
            double cut = cutPointsSeconds.get(i);
            if (cut - previous < minSegmentSeconds) {
                throw new JobInputException(JobField.INTERVAL_CUT.label() + ": segment " + i + " (" + CutPoints.fmt(previous)
                        + " to " + CutPoints.fmt(cut) + " s) is shorter than " + CutPoints.fmt(minSegmentSeconds)
                        + " s (the limit min_segment_seconds)");
            }
            previous = cut;
        }
        if (!cutPointsSeconds.isEmpty()) {
            checkFiles(cutPointsSeconds.size() + 1L, 0);
        }
    }

    /**
     * The caps that need the input's duration.
     *
     * @param segments   the job's segment count for that duration ({@link JobSpec#segmentCount(double)})
     * @param extraStems stems written besides the two-stem pair (0 when not yet known: a lower bound)
     * @throws JobInputException naming the limit
     */
    void checkDuration(double durationSeconds, long segments, int extraStems) {
        if (maxInputSeconds > 0 && durationSeconds > maxInputSeconds) {
            throw new JobInputException(String.format(Locale.ROOT, "input: %.1f s long, longer than %s s (the limit"
                    + " max_input_seconds)", durationSeconds, CutPoints.fmt(maxInputSeconds)));
        }
        checkFiles(segments, extraStems);
    }

    private void checkFiles(long segments, int extraStems) {
        long files = JobLayout.fileCount(segments, extraStems);
        if (maxFilesPerJob > 0 && files > maxFilesPerJob) {
            throw new JobInputException("the job would write " + files + " files (" + segments + " segments), more than "
                    + maxFilesPerJob + " (the limit max_files_per_job); use longer segments ("
                    + JobField.SEGMENT_MAX_SECONDS.label() + ") or fewer cut points (" + JobField.INTERVAL_CUT.label() + ")");
        }
    }

    private static JobInputException over(JobField field, String rule, String limit, Object value) {
        return new JobInputException(field.label() + " must be " + rule + " (the limit " + limit + "), got " + value);
    }
}
