package dev.demucs.ffmpeg;

/**
 * How samples outside [−1, 1] are handled before encoding (upstream Demucs' {@code --clip-mode}).
 *
 * <p>Applied per output file, to every format (as upstream's {@code save_audio} does):
 * <ul>
 *   <li>{@link #RESCALE}: divide the whole file by {@code max(1.01 · peak, 1)}, where peak is the
 *       largest absolute sample of the whole file. Files whose peak is at most 1/1.01 are left
 *       unchanged; otherwise the whole file is scaled down, so the writer needs every sample
 *       before it can encode the first (it spools them to a temporary file, never to memory).</li>
 *   <li>{@link #CLAMP}: clamp every sample to [−0.99, 0.99].</li>
 *   <li>{@link #NONE}: leave samples as they are. Integer formats still saturate at full scale
 *       (16-bit: clamp to [−1, 1] then ·32767); float WAV keeps the values exactly.</li>
 * </ul>
 */
public enum ClipMode {
    /** Divide the whole file by {@code max(1.01 · peak, 1)} (upstream's default). */
    RESCALE,
    /** Clamp to [−0.99, 0.99]. */
    CLAMP,
    /** No clipping prevention. */
    NONE
}
