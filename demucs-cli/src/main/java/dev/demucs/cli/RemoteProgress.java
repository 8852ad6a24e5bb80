package dev.demucs.cli;

import dev.demucs.client.RemoteRun;
import dev.demucs.job.ProgressSnapshot;

/** Shows a remote run on the console: upload and download bars, the server's progress. */
final class RemoteProgress implements RemoteRun.Listener {

    private final ConsoleProgress console;
    private final boolean terminal;
    private final String uploadLabel;
    private int lastUploadStep = -1;

    RemoteProgress(ConsoleProgress console, boolean terminal, String uploadLabel) {
        this.console = console;
        this.terminal = terminal;
        this.uploadLabel = uploadLabel;
    }

    @Override
    public void info(String message) {
        console.info(message);
    }

    @Override
    public void uploadProgress(long sentBytes, long totalBytes) {
        if (terminal) {
            console.onDownloadProgress(uploadLabel, sentBytes, totalBytes); // the bar, labelled "upload FILE"
            if (sentBytes == totalBytes) {
                console.endBar();
            }
            return;
        }
        int step = totalBytes <= 0 ? 4 : (int) (4 * sentBytes / totalBytes);
        if (step > lastUploadStep) {
            lastUploadStep = step;
            console.info(uploadLabel + ": " + (25 * step) + "% of " + ConsoleProgress.megabytes(totalBytes));
        }
    }

    @Override
    public void jobProgress(String status, ProgressSnapshot progress) {
        console.onProgress(progress);
    }

    @Override
    public void downloadStart(String file, long totalBytes) {
        console.onDownloadStart(file, totalBytes);
    }

    @Override
    public void downloadProgress(String file, long doneBytes, long totalBytes) {
        console.onDownloadProgress(file, doneBytes, totalBytes);
    }

    @Override
    public void downloadEnd(String file) {
        console.onDownloadEnd(file);
    }

    /** The last path element of a file path or URL, for labels. */
    static String lastName(String input) {
        String t = input.trim().replace('\\', '/');
        return t.substring(t.lastIndexOf('/') + 1);
    }
}
