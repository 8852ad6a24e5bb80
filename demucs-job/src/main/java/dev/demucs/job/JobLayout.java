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
 * (stem files in another format than 16-bit WAV end in that format's extension), the one routine
 * that clears an earlier run's outputs ({@link #removePreviousOutputs}), and upstream Demucs'
 * layout: {@code OUT/<filename pattern>}, pattern default {@value #DEMUCS_FILENAME}
 * ({@link #demucsFile}, {@link #checkFilename}).
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

    /** Upstream Demucs' default {@code --filename} pattern. */
    public static final String DEMUCS_FILENAME = "{track}/{stem}.{ext}";
    /** The placeholders of a {@code --filename} pattern. */
    public static final List<String> PLACEHOLDERS = List.of("{track}", "{trackext}", "{stem}", "{ext}");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[^}]*}");
    private static final Pattern UNSAFE_TRACK = Pattern.compile("[\\p{Cntrl}/\\\\:*?\"<>|]");

    private static final Pattern OUR_SEGMENT = Pattern.compile("segment_\\d{3,}\\.m4a");
    private static final Pattern OUR_STEM = Pattern.compile("segment_\\d{3,}_[^/]+\\.(wav|flac|mp3)");

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
        return stemFile(index, stem, "wav");
    }

    /** {@code segment_NNN_<stem>.<extension>}, inside {@link #RESULTS}. */
    public static String stemFile(int index, String stem, String extension) {
        return segmentName(index) + "_" + stem + "." + extension;
    }

    /**
     * The track name of an input as upstream names its folder: the file name (of a URL: the last
     * path segment) without its extension; characters that cannot be part of a file name become
     * '_', and a name that would be empty, "." or ".." becomes "track".
     */
    public static String trackName(String input) {
        String base = baseName(input);
        int dot = base.lastIndexOf('.');
        String name = UNSAFE_TRACK.matcher(dot > 0 ? base.substring(0, dot) : base).replaceAll("_").trim();
        if (name.length() > 128) {
            name = name.substring(0, 128);
        }
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "track" : name;
    }

    /** The extension of an input's file name without the dot ("" when none), as upstream's {@code {trackext}}. */
    public static String trackExtension(String input) {
        String base = baseName(input);
        int dot = base.lastIndexOf('.');
        String ext = dot > 0 ? base.substring(dot + 1) : "";
        return ext.matches("[A-Za-z0-9]{1,16}") ? ext : "";
    }

    private static String baseName(String input) {
        String s = input.trim();
        int q = s.indexOf('?');
        if (SeparationJob.isUrl(s) && q >= 0) {
            s = s.substring(0, q);
        }
        s = s.replace('\\', '/');
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.substring(s.lastIndexOf('/') + 1);
    }

    /**
     * The relative path of a stem file in upstream's layout: the pattern with its placeholders
     * replaced. The pattern must have passed {@link #checkFilename}; the names are safe
     * ({@link #trackName}, {@link #STEM_NAME}).
     */
    public static String demucsFile(String pattern, String track, String trackExt, String stem, String ext) {
        return pattern.replace("{track}", track).replace("{trackext}", trackExt).replace("{stem}", stem)
                .replace("{ext}", ext);
    }

    /**
     * Checks a {@code --filename} pattern: only the placeholders {@link #PLACEHOLDERS}, holding
     * {@code {stem}} (else the stems would overwrite each other), relative, '/'-separated, no
     * empty, "." or ".." part: a file written with it stays inside the output folder.
     *
     * @throws JobInputException naming the field and what is wrong
     */
    public static void checkFilename(String pattern) {
        String why = null;
        if (pattern == null || pattern.isBlank()) {
            why = "a file name pattern such as " + DEMUCS_FILENAME;
        } else if (pattern.length() > 255 || pattern.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            why = "at most 255 printable characters";
        } else if (!pattern.contains("{stem}")) {
            why = "a pattern holding {stem} (else every stem gets the same name)";
        } else if (pattern.startsWith("/") || pattern.contains("\\") || pattern.matches("^[A-Za-z]:.*")) {
            why = "a relative path inside the output folder ('/' separated)";
        } else {
            var m = PLACEHOLDER.matcher(pattern);
            while (m.find() && why == null) {
                if (!PLACEHOLDERS.contains(m.group())) {
                    why = "a pattern of " + String.join(", ", PLACEHOLDERS) + " (unknown " + m.group() + ")";
                }
            }
            for (String part : pattern.split("/", -1)) {
                if (why == null && (part.isEmpty() || part.equals(".") || part.equals(".."))) {
                    why = "a path inside the output folder (no empty, '.' or '..' part)";
                }
            }
        }
        if (why != null) {
            String shown = pattern == null ? "nothing" : "'" + (pattern.length() > 80 ? pattern.substring(0, 80) + "…" : pattern) + "'";
            throw new JobInputException(JobField.FILENAME.label() + " must be " + why + ", got " + shown);
        }
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
