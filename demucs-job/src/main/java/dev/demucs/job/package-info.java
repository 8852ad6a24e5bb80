/**
 * The deployment template's separation job, shared by the {@code demucs-separate} command and
 * the HTTP service.
 *
 * <p>{@link dev.demucs.job.JobSpec} is the one definition of a job: the command line's flags and
 * the HTTP service's fields map into {@link dev.demucs.job.JobFields}, and
 * {@link dev.demucs.job.JobSpec#fromFields} applies every default, rule and operator cap
 * ({@link dev.demucs.job.JobLimits}). {@link dev.demucs.job.JobLayout} names every file of the
 * layout below.
 *
 * <p>{@link dev.demucs.job.SeparationJob#run} takes a {@link dev.demucs.job.JobSpec} and an open
 * {@link dev.demucs.core.Separator} and writes the template's layout:
 * <pre>
 * OUT/progress.txt                         JSON, replaced atomically ({@link dev.demucs.job.ProgressFile})
 * OUT/instrumental.mp3                     mono instrumental of the whole track
 * OUT/segments/segment_000.m4a ...         the input cut at the segment boundaries
 * OUT/demucs_results/segment_000_vocals.wav, segment_000_instrum.wav ...
 * </pre>
 * Data flow: probe → one continuous decode cut into segment files → one streaming separation
 * of the whole track → stems split at the same boundaries into WAV files and the mono
 * complement streamed into the MP3.
 */
package dev.demucs.job;
