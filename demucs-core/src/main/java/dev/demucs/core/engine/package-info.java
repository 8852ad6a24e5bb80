/**
 * The separation engine: {@code DemucsSeparator} implements {@link dev.demucs.core.Separator} on
 * ONNX Runtime, with sessions from a reference-counted pool ({@code OrtSessionPool}).
 *
 * <pre>
 * AudioInput ─pass 1→ Normalization
 *            ─pass 2→ InputWindow ─chunk window→ [DemucsStft.spec] → Slot (direct buffers)
 *                     → inference thread (ModelRunner, pinned outputs)
 *                     → [time + DemucsStft.ispec] → OverlapAdd per Schedule (model × shift)
 *                     → ÷ weights, shift mean, bag weights, de-normalise, stem selection → StemSink
 * </pre>
 *
 * Not exported: only {@link dev.demucs.core.engine.Engine}, the entry from the public API, is public.
 */
package dev.demucs.core.engine;
