package dev.demucs.core.audio;

/**
 * One pass of planar float PCM, pulled by the reader.
 *
 * <pre>
 * read(dst, offset, frames):  fills dst[channel][offset .. offset+n) with n ≤ frames new frames
 *                             and returns n, or -1 at the end of the stream
 * </pre>
 *
 * <p>A source may return fewer frames than asked before the end. Errors are
 * {@link dev.demucs.core.AudioIOException}s naming the input. Closing releases native
 * resources; closing twice is harmless.
 */
public interface AudioSource extends AutoCloseable {

    int sampleRate();

    int channels();

    /** Length in frames when known in advance (estimates are not allowed), else -1. */
    long lengthFrames();

    int read(float[][] dst, int offset, int frames);

    @Override
    void close();
}
