/**
 * The separation engine: {@link dev.demucs.core.engine.DemucsSeparator} implements
 * {@link dev.demucs.core.Separator} on ONNX Runtime.
 *
 * <pre>
 * AudioInput ─pass 1→ Normalization
 *            ─pass 2→ InputWindow ─chunk window→ [DemucsStft.spec] → Slot (direct buffers)
 *                     → inference thread (ModelRunner, pinned outputs)
 *                     → [time + DemucsStft.ispec] → OverlapAdd per Schedule (model × shift)
 *                     → ÷ weights, shift mean, bag weights, de-normalise, stem selection → StemSink
 * </pre>
 *
 * Only {@code DemucsSeparator} is public; the rest is the pipeline behind it.
 */
package dev.demucs.core.engine;
