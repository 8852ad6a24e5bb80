package dev.demucs.job;

import dev.demucs.ffmpeg.ClipMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What one template job does. Immutable; the canonical constructor validates.
 *
 * <pre>{@code
 * JobSpec spec = JobSpec.builder("https://example.com/audio.mp3", Path.of("results"))
 *         .cutPointsSeconds(CutPoints.parse("300,600,900"))
 *         .allStems(true)
 *         .build();
 * }</pre>
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
 */
public record JobSpec(String input, Path outputDir, List<Double> cutPointsSeconds, double segmentMaxSeconds,
                      boolean allStems, String twoStem, int mp3BitrateKbps, ClipMode clipMode) {

    /** The template's automatic segment length: 5 minutes. */
    public static final double DEFAULT_SEGMENT_MAX_SECONDS = 300;
    /** The template's two-stem split: vocals and the rest ("instrum"). */
    public static final String DEFAULT_TWO_STEM = "vocals";
    /** Upstream Demucs' MP3 bitrate. */
    public static final int DEFAULT_MP3_BITRATE_KBPS = 320;
    public static final ClipMode DEFAULT_CLIP_MODE = ClipMode.RESCALE;

    /**
     * @throws JobInputException naming the field and the value when one is wrong
     */
    public JobSpec {
        if (input == null || input.isBlank()) {
            throw new JobInputException("input: missing (a local audio file or an http(s) URL)");
        }
        Objects.requireNonNull(outputDir, "outputDir");
        cutPointsSeconds = List.copyOf(cutPointsSeconds == null ? List.of() : cutPointsSeconds);
        CutPoints.validate(cutPointsSeconds, cutPointsSeconds.toString());
        if (!(segmentMaxSeconds > 0) || Double.isInfinite(segmentMaxSeconds)) {
            throw new JobInputException("segment max: must be a finite number of seconds > 0, got " + segmentMaxSeconds);
        }
        if (twoStem == null || twoStem.isBlank()) {
            throw new JobInputException("two-stem: missing stem name (e.g. vocals)");
        }
        if (mp3BitrateKbps < 8 || mp3BitrateKbps > 320) {
            throw new JobInputException("mp3 bitrate: must be between 8 and 320 kbps, got " + mp3BitrateKbps);
        }
        Objects.requireNonNull(clipMode, "clipMode");
    }

    /** A builder with the template's defaults. */
    public static Builder builder(String input, Path outputDir) {
        return new Builder(input, outputDir);
    }

    /** The template's defaults for this input and output folder. */
    public static JobSpec defaults(String input, Path outputDir) {
        return builder(input, outputDir).build();
    }

    public Builder toBuilder() {
        return new Builder(input, outputDir).cutPointsSeconds(cutPointsSeconds).segmentMaxSeconds(segmentMaxSeconds)
                .allStems(allStems).twoStem(twoStem).mp3BitrateKbps(mp3BitrateKbps).clipMode(clipMode);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final String input;
        private final Path outputDir;
        private List<Double> cutPointsSeconds = List.of();
        private double segmentMaxSeconds = DEFAULT_SEGMENT_MAX_SECONDS;
        private boolean allStems;
        private String twoStem = DEFAULT_TWO_STEM;
        private int mp3BitrateKbps = DEFAULT_MP3_BITRATE_KBPS;
        private ClipMode clipMode = DEFAULT_CLIP_MODE;

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

        public JobSpec build() {
            return new JobSpec(input, outputDir, cutPointsSeconds, segmentMaxSeconds, allStems, twoStem,
                    mp3BitrateKbps, clipMode);
        }
    }
}
