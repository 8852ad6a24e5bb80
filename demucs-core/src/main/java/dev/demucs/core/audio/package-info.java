/**
 * Audio in and out of a separation, as planar float PCM: {@link dev.demucs.core.audio.AudioBuffer}
 * in memory, {@link dev.demucs.core.audio.AudioInput} / {@link dev.demucs.core.audio.AudioSource}
 * pulled pass by pass, and {@link dev.demucs.core.audio.StemSink} receiving stems as they become
 * final. Decoding and encoding files are adapters outside the core (demucs-ffmpeg).
 */
package dev.demucs.core.audio;
