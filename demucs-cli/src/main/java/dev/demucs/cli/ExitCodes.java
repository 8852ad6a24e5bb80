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
 * 5  several inputs given and some failed (the summary lists which; the others completed)
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
    /** Several inputs were given and at least one failed; the others completed (a summary lists which). */
    public static final int SOME_FAILED = 5;

    private ExitCodes() {
    }

    /** The exit code for an error that ended a command: a library error's by its {@link DemucsException#reason()}. */
    public static int of(Throwable t) {
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
