/**
 * Audio I/O for the Demucs engine through FFmpeg (JavaCV's bundled natives), so that
 * {@code demucs-core} never depends on FFmpeg.
 *
 * <pre>
 * decode:  FfmpegInput (local file) ──open()──▶ AudioSource (planar float, model rate, 2 ch)
 * encode:  StemSink ─▶ AsyncStemSink (own thread, bounded queue) ─▶ StemFileSink ─▶ AudioWriter per stem
 *          AudioWriter: planar float ─▶ clip mode ─▶ encoder ─▶ .part file ─▶ atomic rename
 * </pre>
 *
 * <p>Every error is a {@link dev.demucs.ffmpeg.MediaIOException} (an
 * {@link dev.demucs.core.AudioIOException}) with a one-line message naming the input or output
 * and the reason, and the reason as a value.
 *
 * <p>Natives: the linux-x86_64 FFmpeg build by default; another platform is chosen at build
 * time with {@code -Djavacpp.platform=macosx-arm64} (or linux-arm64, macosx-x86_64,
 * windows-x86_64). FFmpeg's own log output is off unless the system property
 * {@code demucs.ffmpeg.logLevel} is {@code error}, {@code warning}, {@code info} or {@code debug}.
 */
package dev.demucs.ffmpeg;
