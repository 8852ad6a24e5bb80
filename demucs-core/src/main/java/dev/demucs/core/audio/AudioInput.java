package dev.demucs.core.audio;

/**
 * Audio that can be read more than once: each {@link #open()} starts a new pass from the first
 * frame, and every pass yields the same samples. The streaming separator reads its input twice,
 * once for the whole-track statistics of Demucs' normalisation and once to separate.
 */
public interface AudioInput {

    /** Opens a new pass; the caller closes it. */
    AudioSource open();

    /** Names the input in messages (a path or URL, never a secret query string). */
    String description();
}
