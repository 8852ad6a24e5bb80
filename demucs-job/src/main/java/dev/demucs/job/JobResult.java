package dev.demucs.job;

import java.nio.file.Path;
import java.util.List;

/**
 * What a completed job wrote.
 *
 * @param instrumental   {@code OUT/instrumental.mp3}
 * @param segments       {@code OUT/segments/segment_NNN.m4a}, in order
 * @param stemFiles      {@code OUT/demucs_results/segment_NNN_<stem>.wav}, segment by segment
 * @param elapsedSeconds wall time of the job
 */
public record JobResult(Path instrumental, List<Path> segments, List<Path> stemFiles, double elapsedSeconds) {
    public JobResult {
        segments = List.copyOf(segments);
        stemFiles = List.copyOf(stemFiles);
    }
}
