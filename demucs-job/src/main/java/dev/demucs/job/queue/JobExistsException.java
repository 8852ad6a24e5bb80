package dev.demucs.job.queue;

/** A new job's id is already held by a job (or a job being deleted) in the queue or the file store. */
public final class JobExistsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobExistsException(String id) {
        super("job " + id + " already exists");
    }
}
