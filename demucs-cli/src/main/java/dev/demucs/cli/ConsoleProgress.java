package dev.demucs.cli;

import dev.demucs.core.Device;
import dev.demucs.job.JobListener;
import dev.demucs.job.ProgressSnapshot;
import dev.demucs.job.ProgressSnapshot.TaskState;
import dev.demucs.models.DownloadListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a job's and a download's progress on stderr: a bar redrawn in place on a terminal,
 * plain lines (one per phase change and per 5 %) otherwise, nothing when quiet.
 */
final class ConsoleProgress implements JobListener, DownloadListener {

    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final boolean quiet;
    private String lastPhase = "";
    private int lastStep = -1;
    private boolean barShown;
    private int lastDownloadStep = -1;

    ConsoleProgress(PrintWriter err, boolean terminal, boolean quiet) {
        this.err = err;
        this.terminal = terminal;
        this.quiet = quiet;
    }

    /** Prints a message line (not when quiet), ending any bar first. */
    synchronized void info(String message) {
        if (quiet) {
            return;
        }
        endBar();
        err.println(message);
        err.flush();
    }

    /** Ends the bar line, if one is shown. */
    synchronized void endBar() {
        if (barShown) {
            err.println();
            err.flush();
            barShown = false;
        }
    }

    @Override
    public synchronized void onProgress(ProgressSnapshot p) {
        if (quiet) {
            return;
        }
        String phase = phase(p);
        double percent = p.details().percent();
        String segments = p.details().totalSegments() > 0
                ? " segments " + p.details().completedSegments() + "/" + p.details().totalSegments() : "";
        if (terminal) {
            bar(percent, String.format(Locale.ROOT, "%-10s%s  %s", phase, segments, clock(p.elapsedSeconds())));
            return;
        }
        int step = (int) Math.floor(percent / 5);
        if (!phase.equals(lastPhase) || step > lastStep) {
            lastPhase = phase;
            lastStep = Math.max(lastStep, step);
            err.println(String.format(Locale.ROOT, "progress: %5.1f%% %s%s (%s)", percent, phase, segments,
                    clock(p.elapsedSeconds())));
            err.flush();
        }
    }

    @Override
    public void onDeviceFallback(Device used, String reason) {
        info("warning: using " + used + ": " + reason);
    }

    @Override
    public synchronized void onDownloadStart(String file, long totalBytes) {
        lastDownloadStep = -1;
        info("downloading " + file + (totalBytes > 0 ? " (" + megabytes(totalBytes) + ")" : ""));
    }

    @Override
    public synchronized void onDownloadProgress(String file, long bytesDone, long totalBytes) {
        if (quiet || totalBytes <= 0) {
            return;
        }
        double percent = 100.0 * bytesDone / totalBytes;
        if (terminal) {
            bar(percent, file + "  " + megabytes(bytesDone) + " / " + megabytes(totalBytes));
            return;
        }
        int step = (int) Math.floor(percent / 10);
        if (step > lastDownloadStep) {
            lastDownloadStep = step;
            err.println(String.format(Locale.ROOT, "download: %5.1f%% %s", percent, file));
            err.flush();
        }
    }

    @Override
    public synchronized void onDownloadEnd(String file) {
        endBar();
    }

    @Override
    public void onConvertStart(String file) {
        info("converting " + file + " to ONNX");
    }

    @Override
    public void onConvertEnd(String file) {
        info("converted " + file);
    }

    private void bar(double percent, String label) {
        int filled = (int) Math.round(BAR_WIDTH * Math.min(100, Math.max(0, percent)) / 100);
        err.print("\r[" + "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] "
                + String.format(Locale.ROOT, "%5.1f%%  ", percent) + label + "\u001b[K");
        err.flush();
        barShown = true;
    }

    static String phase(ProgressSnapshot p) {
        switch (p.state()) {
            case COMPLETED:
                return "completed";
            case ERROR:
                return "error";
            case IDLE:
                return "idle";
            default:
                break;
        }
        if (p.tasks().conversion() == TaskState.RUNNING) {
            return "conversion";
        }
        if (p.tasks().inference() == TaskState.RUNNING) {
            return "inference";
        }
        if (p.tasks().cutting() == TaskState.RUNNING) {
            return "cutting";
        }
        return "starting";
    }

    static String clock(double seconds) {
        long s = (long) seconds;
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
