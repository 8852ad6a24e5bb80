package dev.demucs.cli.models;

import dev.demucs.models.DownloadListener;
import java.io.PrintWriter;
import java.util.Locale;

/** Download and conversion progress on stderr: a bar redrawn in place on a terminal, else a line per 10 %. */
final class DownloadProgress implements DownloadListener {

    private final PrintWriter err;
    private final boolean terminal;
    private int lastStep = -1;
    private boolean barShown;

    DownloadProgress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public synchronized void onDownloadStart(String file, long totalBytes) {
        lastStep = -1;
        err.println("downloading " + file + (totalBytes > 0 ? " (" + ModelsCommand.bytes(totalBytes) + ")" : ""));
        err.flush();
    }

    @Override
    public synchronized void onDownloadProgress(String file, long bytesDone, long totalBytes) {
        if (totalBytes <= 0) {
            return;
        }
        double percent = 100.0 * bytesDone / totalBytes;
        if (terminal) {
            int filled = (int) Math.round(percent / 100 * 30);
            err.print(String.format(Locale.ROOT, "\r[%s%s] %5.1f%% %s / %s", "#".repeat(filled), " ".repeat(30 - filled),
                    percent, ModelsCommand.bytes(bytesDone), ModelsCommand.bytes(totalBytes)));
            barShown = true;
            err.flush();
            return;
        }
        int step = (int) Math.floor(percent / 10);
        if (step > lastStep) {
            lastStep = step;
            err.println(String.format(Locale.ROOT, "  %5.1f%% %s / %s", percent, ModelsCommand.bytes(bytesDone),
                    ModelsCommand.bytes(totalBytes)));
            err.flush();
        }
    }

    @Override
    public synchronized void onDownloadEnd(String file) {
        if (barShown) {
            err.println();
            barShown = false;
        }
        err.flush();
    }

    @Override
    public synchronized void onConvertStart(String file) {
        err.println("converting " + file + " to ONNX");
        err.flush();
    }

    @Override
    public synchronized void onConvertEnd(String file) {
        err.flush();
    }
}
