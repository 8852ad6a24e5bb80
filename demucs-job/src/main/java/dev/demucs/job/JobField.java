package dev.demucs.job;

import java.util.Arrays;
import java.util.Optional;

/**
 * The options of a job, each with its name in every transport: the JSON / form / query field
 * ({@link #key()}) and the command-line flag ({@link #flag()}). Messages about a field name both
 * ({@link #label()}), so the command line and the HTTP service say the same thing for the same
 * mistake.
 */
public enum JobField {
    INTERVAL_CUT("interval_cut", "--interval-cut", "a string like \"300,600,900\" or an array of numbers"),
    ALL_STEMS("all_stems", "--all-stems", "a boolean"),
    SEGMENT_MAX_SECONDS("segment_max_seconds", "--segment-max", "a number"),
    TWO_STEMS("two_stems", "--two-stems", "a string"),
    MP3_BITRATE("mp3_bitrate", "--mp3-bitrate", "a number"),
    CLIP_MODE("clip_mode", "--clip-mode", "a string"),
    SHIFTS("shifts", "--shifts", "a number"),
    OVERLAP("overlap", "--overlap", "a number"),
    SEED("seed", "--seed", "a number"),
    STEM_FORMAT("stem_format", "--stem-format", "a string", false),
    MP3_PRESET("mp3_preset", "--mp3-preset", "a number", false),
    OTHER_METHOD("other_method", "--other-method", "a string", false),
    SEGMENT("segment", "--segment", "a number", false),
    LAYOUT("layout", "--layout", "a string", false),
    FILENAME("filename", "--filename", "a string", false);

    private final String key;
    private final String flag;
    private final String kind;
    private final boolean http;

    JobField(String key, String flag, String kind) {
        this(key, flag, kind, true);
    }

    JobField(String key, String flag, String kind, boolean http) {
        this.key = key;
        this.flag = flag;
        this.kind = kind;
        this.http = http;
    }

    /**
     * Whether the HTTP service takes this field today. The others (stem format, MP3 preset,
     * other method, segment, layout, filename) are command-line options for now; their rules are
     * already the job's ({@link JobSpec}), so the service can take them by mapping them.
     */
    public boolean http() {
        return http;
    }

    /** The JSON, form and query field name (snake_case). */
    public String key() {
        return key;
    }

    /** The command-line flag. */
    public String flag() {
        return flag;
    }

    /** What a JSON value of this field must be, for a message ("a number", "a boolean" ...). */
    public String kind() {
        return kind;
    }

    /** How messages name the field: {@code mp3_bitrate (--mp3-bitrate)}. */
    public String label() {
        return key + " (" + flag + ")";
    }

    /** The field with this JSON/form/query name. */
    public static Optional<JobField> ofKey(String key) {
        return Arrays.stream(values()).filter(f -> f.key.equals(key)).findFirst();
    }
}
