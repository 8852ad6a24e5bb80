package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.ProgressSnapshot.Details;
import dev.demucs.job.ProgressSnapshot.State;
import dev.demucs.job.ProgressSnapshot.TaskState;
import dev.demucs.job.ProgressSnapshot.Tasks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    static ProgressSnapshot inference(double percent, int done) {
        return new ProgressSnapshot(State.DEMUCS, new Tasks(TaskState.DONE, TaskState.NO_WORK, TaskState.RUNNING,
                TaskState.NO_WORK), 0, 65, new Details(true, done, 4, percent, null));
    }

    @Test
    void plainLinesAtPhaseChangesAndEveryFivePercent() {
        StringWriter w = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(w), false, false);
        p.onProgress(new ProgressSnapshot(State.DEMUCS, new Tasks(TaskState.DONE, TaskState.RUNNING, TaskState.NO_WORK,
                TaskState.NO_WORK), 0, 1, new Details(true, 0, 0, 0, null)));
        for (int i = 0; i <= 100; i++) {
            p.onProgress(inference(i, i / 25));
        }
        List<String> lines = w.toString().lines().toList();
        assertEquals("progress:   0.0% cutting (00:01)", lines.get(0));
        assertEquals("progress:   0.0% inference segments 0/4 (01:05)", lines.get(1));
        assertEquals("progress:   5.0% inference segments 0/4 (01:05)", lines.get(2));
        assertEquals(1 + 21, lines.size(), w.toString());
        assertTrue(!w.toString().contains("\r"));
    }

    @Test
    void barOnATerminal() {
        StringWriter w = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(w), true, false);
        p.onProgress(inference(50, 2));
        p.info("a message");
        String s = w.toString();
        assertTrue(s.startsWith("\r[###############               ]  50.0%  inference  segments 2/4  01:05"), s);
        assertTrue(s.endsWith("\na message" + System.lineSeparator()), s);
    }

    @Test
    void downloadsAndQuiet() {
        StringWriter w = new StringWriter();
        ConsoleProgress p = new ConsoleProgress(new PrintWriter(w), false, false);
        p.onDownloadStart("htdemucs.th", 84_000_000);
        for (long b = 0; b <= 84_000_000; b += 4_200_000) {
            p.onDownloadProgress("htdemucs.th", b, 84_000_000);
        }
        p.onDownloadEnd("htdemucs.th");
        List<String> lines = w.toString().lines().toList();
        assertEquals("downloading htdemucs.th (84.0 MB)", lines.get(0));
        assertEquals("download:   0.0% htdemucs.th", lines.get(1));
        assertEquals("download: 100.0% htdemucs.th", lines.get(lines.size() - 1));
        assertEquals(12, lines.size());

        StringWriter q = new StringWriter();
        ConsoleProgress quiet = new ConsoleProgress(new PrintWriter(q), true, true);
        quiet.onDownloadStart("x", 10);
        quiet.onDownloadProgress("x", 5, 10);
        quiet.onProgress(inference(50, 2));
        quiet.info("hello");
        assertEquals("", q.toString());
    }
}
