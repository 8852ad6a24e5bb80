package dev.demucs.http;

import dev.demucs.job.JobLayout;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.JobRecord;
import java.io.IOException;
import java.util.Optional;

/**
 * A completed job's files: {@code GET|HEAD /result/{id}} (the mono MP3, or {@code ?file=NAME})
 * and {@code GET|HEAD /result/{id}/{name}}, with byte ranges ({@link FileResponder}). Only plain
 * names of result files are served ({@link JobFiles#result}); never a link, never a path.
 */
final class ResultFiles {
    private final JobQueue queue;
    private final JobFiles files;

    ResultFiles(JobQueue queue, JobFiles files) {
        this.queue = queue;
        this.files = files;
    }

    void register(Router router) {
        router.route("GET", "/result/{id}", (ex, p) -> result(ex, p.get(0), ex.query().getOrDefault("file", JobLayout.INSTRUMENTAL)))
                .route("HEAD", "/result/{id}", (ex, p) -> result(ex, p.get(0), ex.query().getOrDefault("file", JobLayout.INSTRUMENTAL)))
                .route("GET", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)))
                .route("HEAD", "/result/{id}/{name}", (ex, p) -> result(ex, p.get(0), p.get(1)));
    }

    private void result(Exchange ex, String id, String name) throws IOException {
        JobRecord r = JobViews.job(queue, id);
        if (!JobRecord.COMPLETED.equals(r.status())) {
            throw ApiException.conflict("job " + r.id() + " is not completed (status " + r.status()
                    + (r.error() != null ? ": " + r.error() : "") + ")");
        }
        if (name == null || !dev.demucs.job.queue.DirectoryJobFiles.FILE_NAME.matcher(name).matches()) {
            throw ApiException.notFound("no file '" + (name == null ? "" : JobRequest.clip(name)) + "' in job " + r.id());
        }
        Optional<JobFiles.ResultFile> file = files.result(r.id(), name);
        if (file.isEmpty()) {
            throw ApiException.notFound("no file '" + name + "' in job " + r.id() + "; GET /job/" + r.id() + " lists its files");
        }
        FileResponder.send(ex, file.get(), name);
    }
}
