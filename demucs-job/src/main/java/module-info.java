/** One separation job: its spec, layout, progress.txt and the run. */
module dev.demucs.job {
    requires transitive dev.demucs.core;
    requires transitive dev.demucs.ffmpeg;
    requires dev.demucs.net;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.demucs.job;
    exports dev.demucs.job.queue;
    // JobRecord is read and written by Jackson's data binding
    opens dev.demucs.job.queue to com.fasterxml.jackson.databind;
    // job stores and file stores beyond the built-in ones (the cluster module's PostgreSQL and S3)
    uses dev.demucs.job.queue.JobBackendProvider;
}
