package dev.demucs.job;

import dev.demucs.core.DemucsException;

/**
 * The user's input to a job is wrong (a missing file, a malformed URL, bad cut points, a cut
 * point past the end of the track, an unknown stem). The message names the input and the
 * reason. The CLI exits with code 2 on it, the HTTP service answers 400.
 */
public class JobInputException extends DemucsException {
    public JobInputException(String message) {
        super(Reason.BAD_INPUT, message);
    }

    public JobInputException(String message, Throwable cause) {
        super(Reason.BAD_INPUT, message, cause);
    }
}
