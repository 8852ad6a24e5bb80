package dev.demucs.job.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * One job as a {@link JobQueue} stores it (as {@code job.json} in the default store, as a row
 * in PostgreSQL): snake_case fields, nulls left out ({@link JobJson#RECORDS}). Immutable: every
 * change makes a new record that the queue persists.
 *
 * @param id             the job id ({@link #ID}; unique in the queue, also its folder name)
 * @param status         {@value #PENDING}, {@value #RUNNING}, {@value #COMPLETED} or {@value #FAILED}
 * @param createdAt      ISO-8601 instant of creation
 * @param startedAt      ISO-8601 instant the last attempt started, or {@code null}
 * @param completedAt    ISO-8601 instant it completed or failed, or {@code null}
 * @param request        what the client asked for, as the transport wrote it (snake_case JSON object);
 *                       {@code null} for an unreadable record. Treated as read-only.
 * @param inputFile      the input inside the job's files (relative), once downloaded or uploaded
 * @param inputName      the uploaded file's name as the client gave it (sanitised), or {@code null}
 * @param error          why it failed, or {@code null}
 * @param attempts       how many times a worker started it
 * @param interruptions  how many times a shutdown or crash stopped it while running
 * @param note           a remark for the client (e.g. "re-queued after a server restart")
 */
public record JobRecord(String id, String status, String createdAt, String startedAt, String completedAt,
                        ObjectNode request, String inputFile, String inputName, String error, int attempts,
                        int interruptions, String note) {

    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    /** A job id: letters, digits, '-' and '_', 1 to 64 characters (client-chosen or random hex). */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * A job that a shutdown or a crash stopped this many times is failed instead of queued again
     * (the three-interruptions rule, {@link #afterInterruption}).
     */
    public static final int MAX_INTERRUPTIONS = 3;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new random job id: 128 bits, hex. */
    public static String randomId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** True for a well-formed id (one that cannot name a path outside the job's folder). */
    public static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** A new pending job, created now. */
    public static JobRecord create(String id, ObjectNode request, String inputFile, String inputName) {
        return new JobRecord(id, PENDING, Instant.now().toString(), null, null, request, inputFile, inputName,
                null, 0, 0, null);
    }

    /** A job whose stored record could not be read: failed, deletable. */
    public static JobRecord unreadable(String id, String modifiedAt, String why) {
        return new JobRecord(id, FAILED, modifiedAt, null, modifiedAt, null, null, null, why, 0, 0, null);
    }

    public boolean finished() {
        return COMPLETED.equals(status) || FAILED.equals(status);
    }

    public Instant created() {
        return Instant.parse(createdAt);
    }

    public Instant finishedAt() {
        return completedAt == null ? created() : Instant.parse(completedAt);
    }

    /** Claimed by a worker: running, one more attempt. */
    public JobRecord started() {
        return new JobRecord(id, RUNNING, createdAt, Instant.now().toString(), null, request, inputFile, inputName,
                null, attempts + 1, interruptions, note);
    }

    public JobRecord withInputFile(String file) {
        return new JobRecord(id, status, createdAt, startedAt, completedAt, request, file, inputName, error, attempts,
                interruptions, note);
    }

    public JobRecord completed() {
        return new JobRecord(id, COMPLETED, createdAt, startedAt, Instant.now().toString(), request, inputFile,
                inputName, null, attempts, interruptions, note);
    }

    public JobRecord failed(String why) {
        return new JobRecord(id, FAILED, createdAt, startedAt, Instant.now().toString(), request, inputFile,
                inputName, why, attempts, interruptions, note);
    }

    /** Back to the queue after a shutdown or a crash stopped it (see {@link #afterInterruption}). */
    public JobRecord interrupted(String why) {
        return new JobRecord(id, PENDING, createdAt, startedAt, null, request, inputFile, inputName, null, attempts,
                interruptions + 1, why);
    }

    /**
     * The three-interruptions rule, the one definition of it: a running job that a shutdown or a
     * crash (a lost lease) stopped is pending again with {@code note}, unless this is its
     * {@value #MAX_INTERRUPTIONS}th interruption, when it is failed with the reason.
     */
    public JobRecord afterInterruption(String note) {
        if (interruptions + 1 >= MAX_INTERRUPTIONS) {
            return failed("interrupted " + (interruptions + 1)
                    + " times (the server stopped or crashed while it ran); not retried again");
        }
        return interrupted(note);
    }
}
