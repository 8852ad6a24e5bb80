/**
 * Small, complete programs that show how to use the library; copy them.
 *
 * <ul>
 *   <li>{@link dev.demucs.examples.SeparateFile}: one audio file to one WAV file per stem.</li>
 *   <li>{@link dev.demucs.examples.StreamLongFile}: a long file with a progress bar, Ctrl-C
 *       cancellation and encoding on its own thread, in constant memory.</li>
 *   <li>{@link dev.demucs.examples.EmbedHttpServer}: the REST job service inside your own
 *       application.</li>
 *   <li>{@link dev.demucs.examples.BagOfModels}: several models averaged with per-stem
 *       weights, on audio held in memory.</li>
 * </ul>
 */
package dev.demucs.examples;
