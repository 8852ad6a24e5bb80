package dev.demucs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.ProgressSnapshot.TaskState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressTrackerTest {

    @TempDir
    Path dir;

    @Test
    void percentCoversCuttingThenInferenceAndNeverDecreases() {
        List<ProgressSnapshot> seen = new ArrayList<>();
        ProgressTracker t = new ProgressTracker(dir, new JobListener() {
            @Override
            public void onProgress(ProgressSnapshot p) {
                seen.add(p);
            }
        });
        t.phase(TaskState.RUNNING, TaskState.NO_WORK, TaskState.NO_WORK);
        t.cutting(0.5);
        assertEquals(ProgressTracker.CUTTING_SHARE / 2, last(seen), 1e-9);
        t.cutting(1.0);
        assertEquals(ProgressTracker.CUTTING_SHARE, last(seen), 1e-9);
        t.phase(TaskState.NO_WORK, TaskState.RUNNING, TaskState.NO_WORK);
        t.inference(0);
        assertEquals(ProgressTracker.CUTTING_SHARE, last(seen), 1e-9, "inference starts where cutting ended");
        t.inference(50);
        assertEquals(ProgressTracker.CUTTING_SHARE + (100 - ProgressTracker.CUTTING_SHARE) / 2, last(seen), 1e-9);
        t.inference(20);
        assertEquals(ProgressTracker.CUTTING_SHARE + (100 - ProgressTracker.CUTTING_SHARE) / 2, last(seen), 1e-9,
                "never decreases");
        t.inference(100);
        assertEquals(100.0, last(seen), 1e-9);
        double elapsed = -1;
        for (ProgressSnapshot p : seen) {
            assertTrue(p.elapsedSeconds() >= elapsed, "elapsed time moves forward");
            elapsed = p.elapsedSeconds();
        }
    }

    @Test
    void cuttingTicksAreThrottledByPercentStep() {
        List<ProgressSnapshot> seen = new ArrayList<>();
        ProgressTracker t = new ProgressTracker(dir, new JobListener() {
            @Override
            public void onProgress(ProgressSnapshot p) {
                seen.add(p);
            }
        });
        // 10 000 blocks of 0.01 % of the input each: at most one write per 0.1 percentage point,
        // plus at most one per half second this loop takes.
        long start = System.nanoTime();
        for (int i = 1; i <= 10_000; i++) {
            t.cutting(i / 10_000.0);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int bound = (int) (ProgressTracker.CUTTING_SHARE / 0.1) + 1 + (int) Math.ceil(seconds / 0.5);
        assertTrue(seen.size() <= bound, seen.size() + " writes > " + bound);
        assertTrue(seen.size() >= ProgressTracker.CUTTING_SHARE / 0.1 - 1, "a write per 0.1 point: " + seen.size());
        assertTrue(last(seen) >= ProgressTracker.CUTTING_SHARE - 0.1 - 1e-9, "reached " + last(seen));
    }

    private static double last(List<ProgressSnapshot> seen) {
        return seen.get(seen.size() - 1).details().percent();
    }
}
