package dev.demucs.ffmpeg;

import dev.demucs.core.AudioIOException;

/**
 * An {@link AudioIOException} from this module, with the detailed reason as a value
 * ({@link #mediaReason()}) so that callers can react without parsing the message; its
 * {@link #reason()} is {@link dev.demucs.core.DemucsException.Reason#AUDIO_IO}. The message is one
 * line: the input or output (a path, or a URL without its query string), a colon, the reason.
 */
public class MediaIOException extends AudioIOException {

    /** Why reading or writing failed. */
    public enum Reason {
        /** The local file does not exist (or is not a regular, readable file). */
        NOT_FOUND,
        /** The file or response is empty. */
        EMPTY,
        /** FFmpeg does not recognise the data as a media format, or the format is one that is refused
         *  because it opens other resources (playlists, concat lists, image sequences: see the message). */
        NOT_AUDIO,
        /** The container has no audio stream (e.g. a video-only or subtitle file). */
        NO_AUDIO_STREAM,
        /** The audio codec has no decoder in this FFmpeg build. */
        UNSUPPORTED_CODEC,
        /** The audio data cannot be decoded. */
        CORRUPT,
        /** The data ends before the length the container declares. */
        TRUNCATED,
        /** Opening or reading took longer than the configured time-out. */
        TIMEOUT,
        /** Writing the output failed (disk full, permissions, encoder error). */
        WRITE_FAILED,
        /** Anything else FFmpeg reported. */
        OTHER
    }

    private final Reason reason;

    public MediaIOException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MediaIOException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the operation failed, in detail. */
    public Reason mediaReason() {
        return reason;
    }
}
