package dev.demucs.http;

import java.time.Instant;

/**
 * One job as stored in its {@code job.json} (snake_case fields). Immutable: every change makes a
 * new record that {@link JobStore} persists atomically.
 *
 * @param id             the job id (also its directory name)
 * @param status         {@value #PENDING}, {@value #RUNNING}, {@value #COMPLETED} or {@value #FAILED}
 * @param createdAt      ISO-8601 instant of creation
 * @param startedAt      ISO-8601 instant the last attempt started, or {@code null}
 * @param completedAt    ISO-8601 instant it completed or failed, or {@code null}
 * @param request        what the client asked for ({@code null} for an unreadable record)
 * @param inputFile      the input inside the job directory (relative), once downloaded or uploaded
 * @param inputName      the uploaded file's name as the client gave it (sanitised), or {@code null}
 * @param error          why it failed, or {@code null}
 * @param attempts       how many times a worker started it
 * @param interruptions  how many times a shutdown or crash stopped it while running
 * @param note           a remark for the client (e.g. "re-queued after a server restart")
 */
record JobRecord(String id, String status, String createdAt, String startedAt, String completedAt,
                 JobRequest request, String inputFile, String inputName, String error, int attempts,
                 int interruptions, String note) {

    static final String PENDING = "pending";
    static final String RUNNING = "running";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";

    static JobRecord create(String id, JobRequest request, String inputFile, String inputName) {
        return new JobRecord(id, PENDING, Instant.now().toString(), null, null, request, inputFile, inputName,
                null, 0, 0, null);
    }

    /** A job whose {@code job.json} could not be read at start-up: failed, deletable. */
    static JobRecord unreadable(String id, String modifiedAt, String why) {
        return new JobRecord(id, FAILED, modifiedAt, null, modifiedAt, null, null, null, why, 0, 0, null);
    }

    boolean finished() {
        return COMPLETED.equals(status) || FAILED.equals(status);
    }

    Instant created() {
        return Instant.parse(createdAt);
    }

    Instant finishedAt() {
        return completedAt == null ? created() : Instant.parse(completedAt);
    }

    JobRecord started() {
        return new JobRecord(id, RUNNING, createdAt, Instant.now().toString(), null, request, inputFile, inputName,
                null, attempts + 1, interruptions, note);
    }

    JobRecord withInputFile(String file) {
        return new JobRecord(id, status, createdAt, startedAt, completedAt, request, file, inputName, error, attempts,
                interruptions, note);
    }

    JobRecord completed() {
        return new JobRecord(id, COMPLETED, createdAt, startedAt, Instant.now().toString(), request, inputFile,
                inputName, null, attempts, interruptions, note);
    }

    JobRecord failed(String why) {
        return new JobRecord(id, FAILED, createdAt, startedAt, Instant.now().toString(), request, inputFile,
                inputName, why, attempts, interruptions, note);
    }

    /** Back to the queue after a shutdown or a crash stopped it. */
    JobRecord interrupted(String why) {
        return new JobRecord(id, PENDING, createdAt, startedAt, null, request, inputFile, inputName, null, attempts,
                interruptions + 1, why);
    }
}
