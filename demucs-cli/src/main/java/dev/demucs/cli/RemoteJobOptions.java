package dev.demucs.cli;

import dev.demucs.client.JobOptions;
import dev.demucs.ffmpeg.ClipMode;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The job flags of {@code remote} and {@code runpod separate}: unset ones take the server's defaults. */
final class RemoteJobOptions {

    @Option(names = "--interval-cut", paramLabel = "SECONDS,...", description = "Cut points in seconds, e.g. \"300,600,900\".")
    String intervalCut;

    @Option(names = "--all-stems", description = "Also write every stem of the model per segment.")
    boolean allStems;

    @Option(names = "--segment-max", paramLabel = "SECONDS", description = "Longest automatic segment without --interval-cut.")
    Double segmentMax;

    @Option(names = "--two-stems", paramLabel = "STEM", description = "Stem written beside its complement 'instrum'.")
    String twoStems;

    @Option(names = "--mp3-bitrate", paramLabel = "KBPS", description = "Bitrate of instrumental.mp3.")
    Integer mp3Bitrate;

    @Option(names = "--clip-mode", paramLabel = "rescale|clamp|none", description = "Clipping prevention per written file.")
    ClipMode clipMode;

    @Option(names = "--shifts", paramLabel = "N", description = "Random shifts averaged (the server's default otherwise).")
    Integer shifts;

    @Option(names = "--overlap", paramLabel = "FRACTION", description = "Chunk overlap in [0, 1).")
    Double overlap;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random shifts.")
    Long seed;

    JobOptions toJobOptions() {
        return new JobOptions(intervalCut, allStems ? Boolean.TRUE : null, segmentMax, twoStems, mp3Bitrate,
                clipMode == null ? null : clipMode.name().toLowerCase(Locale.ROOT), shifts, overlap, seed);
    }
}
