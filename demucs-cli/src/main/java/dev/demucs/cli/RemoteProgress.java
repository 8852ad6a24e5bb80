package dev.demucs.cli;

import dev.demucs.client.RemoteRun;
import dev.demucs.job.ProgressSnapshot;

/** Shows a remote run on the console: upload and download bars, the server's progress. */
final class RemoteProgress implements RemoteRun.Listener {

    private final ConsoleProgress console;
    private final String uploadLabel;

    RemoteProgress(ConsoleProgress console, String uploadLabel) {
        this.console = console;
        this.uploadLabel = uploadLabel;
    }

    @Override
    public void info(String message) {
        console.info(message);
    }

    @Override
    public void uploadProgress(long sentBytes, long totalBytes) {
        console.onDownloadProgress(uploadLabel, sentBytes, totalBytes);
        if (sentBytes == totalBytes) {
            console.endBar();
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
}
