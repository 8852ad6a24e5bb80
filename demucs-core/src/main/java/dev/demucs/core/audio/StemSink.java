package dev.demucs.core.audio;

import java.util.List;

/**
 * Receives separated stems as they are produced, in order, without the whole track being held
 * in memory.
 *
 * <pre>
 * begin(stems, sampleRate, channels)      once, before any audio
 * write(block, frames)                    block[stem][channel][0 .. frames): the next frames
 *                                         of every stem, in the order of begin's names.
 *                                         The arrays are lent until write returns: copy to keep.
 * complete()                              once, when every frame has been written
 * close()                                 always; without a prior complete() it must discard
 *                                         partial output (the separation failed or was cancelled)
 * </pre>
 */
public interface StemSink extends AutoCloseable {

    void begin(List<String> stems, int sampleRate, int channels);

    void write(float[][][] block, int frames);

    void complete();

    @Override
    void close();
}
