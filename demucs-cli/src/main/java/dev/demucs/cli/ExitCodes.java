package dev.demucs.cli;

import dev.demucs.core.DemucsException;
import picocli.CommandLine;

/**
 * Exit codes of {@code demucs-separate} and its subcommands.
 * <pre>
 * 0  done
 * 2  usage error or bad input (unknown flag, bad --interval-cut, missing input file, bad URL)
 * 3  model problem (model not found, not a usable Demucs model)
 * 4  input/output problem (input unreadable or not audio, download failed, output not writable)
 * 5  remote: credentials refused (server token, RUNPOD_API_KEY)
 * 6  remote: the job failed or was cancelled on the server
 * 7  remote: server or cloud unavailable through the retries, no GPU capacity, pod died or not ready in time
 * 8  several inputs given and some failed (the summary lists which; the others completed)
 * 1  anything else (inference failure, cancelled, internal error)
 * </pre>
 */
public final class ExitCodes {
    /** The command did what was asked. */
    public static final int OK = 0;
    /** Anything else: inference failure, interrupted, internal error. */
    public static final int OTHER = 1;
    /** Usage error or bad input: unknown flag, bad value, missing input file, malformed URL. */
    public static final int USAGE = 2;
    /** Model problem: not found, not a usable Demucs model. */
    public static final int MODEL = 3;
    /** Input/output problem: input unreadable or not audio, download failed, output not writable. */
    public static final int IO = 4;
    /** Remote: credentials refused (the server's token, the cloud API key). */
    public static final int AUTH = 5;
    /** Remote: the job failed or was cancelled on the server. */
    public static final int REMOTE_JOB = 6;
    /** Remote: unavailable through the retries, no GPU capacity, a pod that died or was not ready in time. */
    public static final int UNAVAILABLE = 7;
    /** Several inputs were given and at least one failed; the others completed (a summary lists which). */
    public static final int SOME_FAILED = 8;

    private ExitCodes() {
    }

    /** The exit code for an error that ended a command: a library error's by its {@link DemucsException#reason()}. */
    public static int of(Throwable t) {
        if (t instanceof dev.demucs.client.ClientException c) {
            return RemoteCommand.exitCode(c);
        }
        if (t instanceof DemucsException d) {
            return switch (d.reason()) {
                case BAD_INPUT -> USAGE;
                case MODEL_NOT_FOUND, INVALID_MODEL -> MODEL;
                case AUDIO_IO -> IO;
                case INFERENCE, CANCELLED, OTHER -> OTHER;
            };
        }
        if (t instanceof CommandLine.ParameterException || t instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException) {
            return IO;
        }
        return OTHER;
    }
}
