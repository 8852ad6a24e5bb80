package dev.demucs.job;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every name of the template's output layout, in one place:
 * <pre>
 * OUT/progress.txt                                  {@link #PROGRESS}
 * OUT/instrumental.mp3                              {@link #INSTRUMENTAL}
 * OUT/segments/segment_000.m4a ...                  {@link #SEGMENTS}, {@link #segmentFile(int)}
 * OUT/demucs_results/segment_000_vocals.wav ...     {@link #RESULTS}, {@link #stemFile(int, String)}
 * OUT/.demucs-partial/                              {@link #STAGING}: a run in progress
 * </pre>
 * and the one routine that clears an earlier run's outputs ({@link #removePreviousOutputs}).
 */
public final class JobLayout {

    /** The progress file (JSON, replaced atomically). */
    public static final String PROGRESS = "progress.txt";
    /** Mono instrumental of the whole track. */
    public static final String INSTRUMENTAL = "instrumental.mp3";
    /** Folder of the input cut into segments. */
    public static final String SEGMENTS = "segments";
    /** Folder of the stems per segment. */
    public static final String RESULTS = "demucs_results";
    /** The folders holding result files, in the order a listing shows them. */
    public static final List<String> RESULT_DIRS = List.of(SEGMENTS, RESULTS);
    /** Hidden staging folder of a run in progress; moved into place only when the run succeeded. */
    public static final String STAGING = ".demucs-partial";
    /** Name of the two-stem stem's complement in stem file names. */
    public static final String COMPLEMENT = "instrum";
    /**
     * What a stem name may look like to be part of a file name: letters, digits, '_', '.', '-',
     * 1 to 64 characters, not starting with a dot.
     */
    public static final Pattern STEM_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");

    private static final Pattern OUR_SEGMENT = Pattern.compile("segment_\\d{3,}\\.m4a");
    private static final Pattern OUR_STEM = Pattern.compile("segment_\\d{3,}_[^/]+\\.wav");

    private JobLayout() {
    }

    /** {@code segment_NNN}: the common prefix of a segment's files. */
    public static String segmentName(int index) {
        return String.format(Locale.ROOT, "segment_%03d", index);
    }

    /** {@code segment_NNN.m4a}, inside {@link #SEGMENTS}. */
    public static String segmentFile(int index) {
        return segmentName(index) + ".m4a";
    }

    /** {@code segment_NNN_<stem>.wav}, inside {@link #RESULTS}. */
    public static String stemFile(int index, String stem) {
        return segmentName(index) + "_" + stem + ".wav";
    }

    /**
     * How many files a job writes: per segment its cut ({@code .m4a}), the two-stem pair and
     * {@code extraStems} more stems; and {@code instrumental.mp3} once.
     */
    public static long fileCount(long segments, int extraStems) {
        return segments * (3L + extraStems) + 1;
    }

    /**
     * Removes what an earlier run in {@code out} wrote: {@code instrumental.mp3}, the segment and
     * stem files (only names this layout writes; other files stay, and a folder is removed only
     * when that leaves it empty) and the staging folder.
     *
     * @throws IOException when a file cannot be removed
     */
    public static void removePreviousOutputs(Path out) throws IOException {
        Files.deleteIfExists(out.resolve(INSTRUMENTAL));
        removeMatching(out.resolve(SEGMENTS), OUR_SEGMENT);
        removeMatching(out.resolve(RESULTS), OUR_STEM);
        deleteTree(out.resolve(STAGING));
    }

    private static void removeMatching(Path dir, Pattern names) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        boolean empty = true;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (names.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                } else {
                    empty = false;
                }
            }
        }
        if (empty) {
            Files.deleteIfExists(dir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
