package dev.demucs.job;

import dev.demucs.core.SeparationOptions;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.ClipMode;
import dev.demucs.ffmpeg.EncoderOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one template job does: the one definition of a job, for the command line and the HTTP
 * service alike. Immutable; the canonical constructor (which {@link Builder#build()} and
 * {@link #fromFields} call) is the only validator: every rule and limit of a job is here or in
 * what it calls ({@link CutPoints}, {@link SeparationOptions}, {@link JobLimits}).
 *
 * <pre>{@code
 * JobSpec spec = JobSpec.builder("https://example.com/audio.mp3", Path.of("results"))
 *         .cutPointsSeconds(CutPoints.parse("300,600,900"))
 *         .allStems(true)
 *         .build();
 * }</pre>
 *
 * <table>
 * <caption>Options: field (command-line flag), default, rule</caption>
 * <tr><td>interval_cut (--interval-cut)</td><td>none: automatic segments</td><td>seconds &gt; 0, strictly increasing, inside the input</td></tr>
 * <tr><td>all_stems (--all-stems)</td><td>false</td><td>boolean</td></tr>
 * <tr><td>segment_max_seconds (--segment-max)</td><td>{@value #DEFAULT_SEGMENT_MAX_SECONDS}</td><td>finite, &gt; 0</td></tr>
 * <tr><td>two_stems (--two-stems)</td><td>{@value #DEFAULT_TWO_STEM}</td><td>a stem of the model ({@link JobLayout#STEM_NAME})</td></tr>
 * <tr><td>mp3_bitrate (--mp3-bitrate)</td><td>{@value #DEFAULT_MP3_BITRATE_KBPS}</td><td>whole, {@value #MIN_MP3_BITRATE_KBPS} … {@value #MAX_MP3_BITRATE_KBPS}</td></tr>
 * <tr><td>clip_mode (--clip-mode)</td><td>rescale</td><td>rescale, clamp or none</td></tr>
 * <tr><td>shifts, overlap, seed</td><td>the separator's</td><td>{@link SeparationOptions.Builder#build()}'s</td></tr>
 * <tr><td>stem_format (--stem-format; --int24, --float32, --flac, --mp3)</td><td>wav (16-bit)</td><td>{@link #STEM_FORMATS}</td></tr>
 * <tr><td>mp3_preset (--mp3-preset)</td><td>{@value #DEFAULT_MP3_PRESET}</td><td>whole, {@value #MIN_MP3_PRESET} … {@value #MAX_MP3_PRESET}</td></tr>
 * <tr><td>other_method (--other-method)</td><td>add</td><td>add, minus or none</td></tr>
 * <tr><td>segment (--segment)</td><td>the model's</td><td>seconds &gt; 0, at most the model's (checked when the separator opens)</td></tr>
 * <tr><td>layout (--layout)</td><td>template</td><td>template or demucs</td></tr>
 * <tr><td>filename (--filename)</td><td>{@value JobLayout#DEMUCS_FILENAME}</td><td>{@link JobLayout#checkFilename}</td></tr>
 * </table>
 *
 * <p>The stem format applies to the stem files only: the template's {@code segments/*.m4a} and
 * {@code instrumental.mp3} keep theirs. With the {@code demucs} layout the job writes only the
 * stems, each at {@code outputDir/<filename>} (upstream's {@code OUT/MODEL/} is the caller's
 * {@code outputDir}); every stem of the model, or with a two-stem stem given that stem and
 * {@code no_<stem>}.
 *
 * @param input             local path or http(s) URL of the audio
 * @param outputDir         the job's output folder (created when missing)
 * @param cutPointsSeconds  cut points in seconds, strictly increasing; empty = automatic
 *                          segments of at most {@code segmentMaxSeconds}
 * @param segmentMaxSeconds longest automatic segment, seconds (template: 300)
 * @param allStems          also write every stem of the model per segment (template's {@code --all-stems})
 * @param twoStem           the stem written beside its complement {@code instrum} (template: vocals)
 * @param mp3BitrateKbps    bitrate of {@code instrumental.mp3}
 * @param clipMode          how the written stems and the MP3 avoid clipping
 * @param shifts            random shifts of this job; {@code null} = the separator's
 * @param overlap           chunk overlap of this job; {@code null} = the separator's
 * @param seed              seed of this job's shifts; {@code null} = the separator's
 * @param stemFormat        format of the stem files (template: 16-bit WAV)
 * @param mp3Preset         LAME quality of MP3 stems, 2 (best) … 7 (fastest), as upstream's {@code --mp3-preset}
 * @param otherMethod       how the two-stem complement is made
 * @param segmentSeconds    model segment of this job, shorter than the model's; {@code null} = the model's
 * @param layout            the output layout
 * @param filename          file name pattern of the demucs layout
 * @param track             the track's name in that layout ({@code {track}}); {@code null} = the
 *                          input's ({@link JobLayout#trackName})
 * @param limits            the operator's caps ({@link JobLimits#NONE} for none)
 */
public record JobSpec(String input, Path outputDir, List<Double> cutPointsSeconds, double segmentMaxSeconds,
                      boolean allStems, String twoStem, int mp3BitrateKbps, ClipMode clipMode, Integer shifts,
                      Double overlap, Long seed, AudioFormat stemFormat, int mp3Preset, OtherMethod otherMethod,
                      Double segmentSeconds, Layout layout, String filename, String track, JobLimits limits) {

    /** Where the files go. */
    public enum Layout {
        /** The deployment template's layout ({@link JobLayout}). */
        TEMPLATE,
        /** Upstream Demucs' layout: one file per stem at {@code outputDir/<filename pattern>}. */
        DEMUCS
    }

    /** How the two-stem complement is made (upstream's {@code --other-method}). */
    public enum OtherMethod {
        /** The sum of every other stem (the template's {@code instrum}). */
        ADD,
        /** The mix minus the stem. */
        MINUS,
        /** No complement file. */
        NONE
    }

    /** The stem formats by their field value: wav (16-bit), int24, float32, flac, mp3. */
    public static final Map<String, AudioFormat> STEM_FORMATS = stemFormats();
    /** Upstream's default {@code --mp3-preset}. */
    public static final int DEFAULT_MP3_PRESET = EncoderOptions.DEFAULT_MP3_QUALITY;
    public static final int MIN_MP3_PRESET = 2;
    public static final int MAX_MP3_PRESET = 7;

    /** The template's automatic segment length: 5 minutes. */
    public static final double DEFAULT_SEGMENT_MAX_SECONDS = 300;
    /** The template's two-stem split: vocals and the rest ("instrum"). */
    public static final String DEFAULT_TWO_STEM = "vocals";
    /** Upstream Demucs' MP3 bitrate. */
    public static final int DEFAULT_MP3_BITRATE_KBPS = 320;
    /** Lowest MP3 bitrate: MPEG-1 Layer III's lowest, at the models' 44.1 kHz. */
    public static final int MIN_MP3_BITRATE_KBPS = 32;
    /** Highest MP3 bitrate: MPEG-1 Layer III's highest. */
    public static final int MAX_MP3_BITRATE_KBPS = 320;
    public static final ClipMode DEFAULT_CLIP_MODE = ClipMode.RESCALE;

    /**
     * @throws JobInputException naming the field ({@link JobField#label()}) and the value when one
     *                           is wrong, or the limit it breaks
     */
    public JobSpec {
        if (input == null || input.isBlank()) {
            throw new JobInputException("input: missing (a local audio file or an http(s) URL)");
        }
        Objects.requireNonNull(outputDir, "outputDir");
        cutPointsSeconds = List.copyOf(cutPointsSeconds == null ? List.of() : cutPointsSeconds);
        CutPoints.validate(cutPointsSeconds, cutPointsSeconds.toString());
        if (!(segmentMaxSeconds > 0) || Double.isInfinite(segmentMaxSeconds)) {
            throw bad(JobField.SEGMENT_MAX_SECONDS, "a finite number of seconds > 0", CutPoints.fmt(segmentMaxSeconds));
        }
        if ((twoStem == null && layout != Layout.DEMUCS) || (twoStem != null && !JobLayout.STEM_NAME.matcher(twoStem).matches())) {
            throw bad(JobField.TWO_STEMS, "a stem name such as vocals (letters, digits, '_', '.', '-')",
                    twoStem == null ? "nothing" : "'" + clip(twoStem) + "'");
        }
        if (mp3BitrateKbps < MIN_MP3_BITRATE_KBPS || mp3BitrateKbps > MAX_MP3_BITRATE_KBPS) {
            throw bad(JobField.MP3_BITRATE, "a whole number of kbit/s in " + MIN_MP3_BITRATE_KBPS + " … "
                    + MAX_MP3_BITRATE_KBPS, mp3BitrateKbps);
        }
        Objects.requireNonNull(clipMode, "clipMode");
        if (stemFormat == null || !STEM_FORMATS.containsValue(stemFormat)) {
            throw bad(JobField.STEM_FORMAT, "one of " + String.join(", ", STEM_FORMATS.keySet()), stemFormat);
        }
        if (mp3Preset < MIN_MP3_PRESET || mp3Preset > MAX_MP3_PRESET) {
            throw bad(JobField.MP3_PRESET, "a whole number in " + MIN_MP3_PRESET + " … " + MAX_MP3_PRESET, mp3Preset);
        }
        Objects.requireNonNull(otherMethod, "otherMethod");
        Objects.requireNonNull(layout, "layout");
        JobLayout.checkFilename(filename);
        if (track != null && !JobLayout.trackName(track).equals(track)) {
            throw new IllegalArgumentException("track must be a file name part, got '" + clip(track) + "'");
        }
        separationOptions(SeparationOptions.defaults(), shifts, overlap, seed, segmentSeconds);
        Objects.requireNonNull(limits, "limits");
        limits.checkOptions(cutPointsSeconds, segmentMaxSeconds, shifts, overlap);
    }

    /**
     * The one factory from fields: every transport (JSON, form fields, query parameters, command
     * line options) maps its input into {@link JobFields}; this applies the defaults, the rules
     * and the operator's caps.
     *
     * @param fields    the fields as given ({@code null} = the default)
     * @param outputDir the job's output folder
     * @param limits    the operator's caps ({@link JobLimits#NONE} for none)
     * @throws JobInputException naming the field and the reason, or the limit it breaks
     */
    public static JobSpec fromFields(JobFields fields, Path outputDir, JobLimits limits) {
        Builder b = builder(fields.input(), outputDir).limits(limits).cutPointsSeconds(CutPoints.parse(fields.intervalCut()));
        if (fields.allStems() != null) {
            b.allStems(fields.allStems());
        }
        if (fields.segmentMaxSeconds() != null) {
            b.segmentMaxSeconds(fields.segmentMaxSeconds());
        }
        if (fields.twoStems() != null) {
            b.twoStem(fields.twoStems());
        } else if (fields.layout() != null && choice(JobField.LAYOUT, names(Layout.values()), fields.layout()) == Layout.DEMUCS) {
            b.twoStem(null); // upstream: every stem unless --two-stems
        }
        if (fields.mp3Bitrate() != null) {
            b.mp3BitrateKbps(fields.mp3Bitrate());
        }
        if (fields.clipMode() != null) {
            b.clipMode(fields.clipMode());
        }
        if (fields.stemFormat() != null) {
            b.stemFormat(choice(JobField.STEM_FORMAT, STEM_FORMATS, fields.stemFormat()));
        }
        if (fields.mp3Preset() != null) {
            b.mp3Preset(fields.mp3Preset());
        }
        if (fields.otherMethod() != null) {
            b.otherMethod(choice(JobField.OTHER_METHOD, names(OtherMethod.values()), fields.otherMethod()));
        }
        if (fields.layout() != null) {
            b.layout(choice(JobField.LAYOUT, names(Layout.values()), fields.layout()));
        }
        if (fields.filename() != null) {
            b.filename(fields.filename());
        }
        return b.shifts(fields.shifts()).overlap(fields.overlap()).seed(fields.seed()).segmentSeconds(fields.segmentSeconds())
                .build();
    }

    private static Map<String, AudioFormat> stemFormats() {
        Map<String, AudioFormat> m = new LinkedHashMap<>();
        m.put("wav", AudioFormat.WAV_PCM16);
        m.put("int24", AudioFormat.WAV_PCM24);
        m.put("float32", AudioFormat.WAV_FLOAT32);
        m.put("flac", AudioFormat.FLAC);
        m.put("mp3", AudioFormat.MP3);
        return java.util.Collections.unmodifiableMap(m);
    }

    private static <E extends Enum<E>> Map<String, E> names(E[] values) {
        Map<String, E> m = new LinkedHashMap<>();
        for (E e : values) {
            m.put(e.name().toLowerCase(Locale.ROOT), e);
        }
        return m;
    }

    private static <T> T choice(JobField field, Map<String, T> choices, String text) {
        T v = choices.get(text.trim().toLowerCase(Locale.ROOT));
        if (v == null) {
            throw bad(field, "one of " + String.join(", ", choices.keySet()), "'" + clip(text) + "'");
        }
        return v;
    }

    /** The encoder settings of this job's stem files. */
    public EncoderOptions stemEncoderOptions() {
        return new EncoderOptions(mp3BitrateKbps, clipMode, mp3Preset);
    }

    /** A builder with the template's defaults and no caps. */
    public static Builder builder(String input, Path outputDir) {
        return new Builder(input, outputDir);
    }

    /** The template's defaults for this input and output folder. */
    public static JobSpec defaults(String input, Path outputDir) {
        return builder(input, outputDir).build();
    }

    public Builder toBuilder() {
        return new Builder(input, outputDir).cutPointsSeconds(cutPointsSeconds).segmentMaxSeconds(segmentMaxSeconds)
                .allStems(allStems).twoStem(twoStem).mp3BitrateKbps(mp3BitrateKbps).clipMode(clipMode)
                .shifts(shifts).overlap(overlap).seed(seed).stemFormat(stemFormat).mp3Preset(mp3Preset)
                .otherMethod(otherMethod).segmentSeconds(segmentSeconds).layout(layout).filename(filename).track(track).limits(limits);
    }

    /** This job with another input (a downloaded copy of its URL, an upload's final place). */
    public JobSpec withInput(String newInput) {
        Builder b = toBuilder();
        b.input = newInput;
        return b.build();
    }

    /** Whether this job sets its own shifts, overlap, seed or segment (it needs its own separator). */
    public boolean hasSeparatorOptions() {
        return shifts != null || overlap != null || seed != null || segmentSeconds != null;
    }

    /** {@code base} with this job's shifts, overlap, seed and segment. */
    public SeparationOptions separationOptions(SeparationOptions base) {
        return separationOptions(base, shifts, overlap, seed, segmentSeconds);
    }

    /**
     * {@code base} with the separator fields given in {@code fields} (the rest of {@code fields}
     * is not looked at): what a server's default per-job options are made with.
     *
     * @throws JobInputException naming the field and the value
     */
    public static SeparationOptions separationOptions(SeparationOptions base, JobFields fields) {
        return separationOptions(base, fields.shifts(), fields.overlap(), fields.seed(), fields.segmentSeconds());
    }

    private static SeparationOptions separationOptions(SeparationOptions base, Integer shifts, Double overlap, Long seed,
                                                       Double segmentSeconds) {
        SeparationOptions.Builder b = base.toBuilder();
        if (segmentSeconds != null) {
            b.segmentSeconds(segmentSeconds);
        }
        if (shifts != null) {
            b.shifts(shifts);
        }
        if (overlap != null) {
            b.overlap(overlap);
        }
        if (seed != null) {
            b.seed(seed);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // SeparationOptions states its rule as "<field> <rule>, got <value>": name the job field instead
            String m = e.getMessage();
            for (JobField f : List.of(JobField.SHIFTS, JobField.OVERLAP, JobField.SEED)) {
                if (m.startsWith(f.key() + " ")) {
                    throw new JobInputException(f.label() + m.substring(f.key().length()), e);
                }
            }
            if (m.startsWith("segmentSeconds ")) {
                throw new JobInputException(JobField.SEGMENT.label() + m.substring("segmentSeconds".length()), e);
            }
            throw new JobInputException(m, e);
        }
    }

    /**
     * Checks this job against the model's stems: {@code twoStem} is one of them and, with
     * {@code allStems}, every one can be part of a file name.
     *
     * @throws JobInputException naming the field or the stem
     */
    public void checkStemsOf(List<String> sources) {
        if (twoStem != null && !sources.contains(twoStem)) {
            throw bad(JobField.TWO_STEMS, "a stem of the model " + sources, "'" + twoStem + "'");
        }
        if (allStems || (layout == Layout.DEMUCS && twoStem == null)) {
            for (String s : sources) {
                if (!s.equals(twoStem) && (!JobLayout.STEM_NAME.matcher(s).matches() || s.equals(JobLayout.COMPLEMENT))) {
                    throw new JobInputException("model stem '" + s + "' cannot be used in a file name");
                }
            }
        }
    }

    /** The track's name in upstream's layout: {@link #track()}, else the input's. */
    public String trackName() {
        return track != null ? track : JobLayout.trackName(input);
    }

    /** Segments of this job for an input of {@code durationSeconds} (finite, &gt; 0). */
    public long segmentCount(double durationSeconds) {
        if (!cutPointsSeconds.isEmpty()) {
            return cutPointsSeconds.size() + 1L;
        }
        return Math.max(1, (long) Math.ceil(durationSeconds / segmentMaxSeconds - 1e-9));
    }

    private static JobInputException bad(JobField field, String rule, Object value) {
        return new JobInputException(field.label() + " must be " + rule + ", got " + value);
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String input;
        private final Path outputDir;
        private List<Double> cutPointsSeconds = List.of();
        private double segmentMaxSeconds = DEFAULT_SEGMENT_MAX_SECONDS;
        private boolean allStems;
        private String twoStem = DEFAULT_TWO_STEM;
        private int mp3BitrateKbps = DEFAULT_MP3_BITRATE_KBPS;
        private ClipMode clipMode = DEFAULT_CLIP_MODE;
        private Integer shifts;
        private Double overlap;
        private Long seed;
        private AudioFormat stemFormat = AudioFormat.WAV_PCM16;
        private int mp3Preset = DEFAULT_MP3_PRESET;
        private OtherMethod otherMethod = OtherMethod.ADD;
        private Double segmentSeconds;
        private Layout layout = Layout.TEMPLATE;
        private String filename = JobLayout.DEMUCS_FILENAME;
        private String track;
        private JobLimits limits = JobLimits.NONE;

        private Builder(String input, Path outputDir) {
            this.input = input;
            this.outputDir = outputDir;
        }

        public Builder cutPointsSeconds(List<Double> cutPointsSeconds) {
            this.cutPointsSeconds = cutPointsSeconds;
            return this;
        }

        public Builder segmentMaxSeconds(double segmentMaxSeconds) {
            this.segmentMaxSeconds = segmentMaxSeconds;
            return this;
        }

        public Builder allStems(boolean allStems) {
            this.allStems = allStems;
            return this;
        }

        public Builder twoStem(String twoStem) {
            this.twoStem = twoStem;
            return this;
        }

        public Builder mp3BitrateKbps(int mp3BitrateKbps) {
            this.mp3BitrateKbps = mp3BitrateKbps;
            return this;
        }

        public Builder clipMode(ClipMode clipMode) {
            this.clipMode = clipMode;
            return this;
        }

        /** {@code null} = the separator's. */
        public Builder shifts(Integer shifts) {
            this.shifts = shifts;
            return this;
        }

        /** {@code null} = the separator's. */
        public Builder overlap(Double overlap) {
            this.overlap = overlap;
            return this;
        }

        /** {@code null} = the separator's. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder stemFormat(AudioFormat stemFormat) {
            this.stemFormat = stemFormat;
            return this;
        }

        public Builder mp3Preset(int mp3Preset) {
            this.mp3Preset = mp3Preset;
            return this;
        }

        public Builder otherMethod(OtherMethod otherMethod) {
            this.otherMethod = otherMethod;
            return this;
        }

        /** {@code null} = the model's. */
        public Builder segmentSeconds(Double segmentSeconds) {
            this.segmentSeconds = segmentSeconds;
            return this;
        }

        public Builder layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        public Builder filename(String filename) {
            this.filename = filename;
            return this;
        }

        /** {@code null} = the input's name. */
        public Builder track(String track) {
            this.track = track;
            return this;
        }

        public Builder limits(JobLimits limits) {
            this.limits = limits;
            return this;
        }

        public JobSpec build() {
            return new JobSpec(input, outputDir, cutPointsSeconds, segmentMaxSeconds, allStems, twoStem,
                    mp3BitrateKbps, clipMode, shifts, overlap, seed, stemFormat, mp3Preset, otherMethod, segmentSeconds,
                    layout, filename, track, limits);
        }
    }
}
