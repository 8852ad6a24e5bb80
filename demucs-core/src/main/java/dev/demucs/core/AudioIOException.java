package dev.demucs.core;

/** Audio could not be read from a source or written to a sink; the message names the input or output and the reason. */
public class AudioIOException extends DemucsException {
    public AudioIOException(String message) {
        super(Reason.AUDIO_IO, message);
    }

    public AudioIOException(String message, Throwable cause) {
        super(Reason.AUDIO_IO, message, cause);
    }
}
