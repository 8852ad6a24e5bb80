/**
 * The job queue and its store, beside the job: {@link dev.demucs.job.queue.JobQueue} (records,
 * the FIFO, leases of running jobs) and {@link dev.demucs.job.queue.JobFiles} (a job's input,
 * outputs, progress and log), with the single-server defaults
 * {@link dev.demucs.job.queue.FileJobQueue} ({@code job.json} files) and
 * {@link dev.demucs.job.queue.DirectoryJobFiles} (a folder per job). A server picks its
 * backend at start-up; the transport only talks to these interfaces.
 *
 * <pre>{@code
 * DirectoryJobFiles files = new DirectoryJobFiles(dataDir);
 * try (JobQueue queue = new FileJobQueue(files)) {
 *     queue.open();
 *     files.create(id);
 *     queue.create(JobRecord.create(id, request, null, null));
 *     queue.claim().ifPresent(lease -> queue.update(lease, JobRecord::completed));
 * }
 * }</pre>
 */
package dev.demucs.job.queue;
