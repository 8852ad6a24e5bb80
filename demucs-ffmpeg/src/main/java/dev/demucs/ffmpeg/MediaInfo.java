package dev.demucs.ffmpeg;

import java.util.Optional;

/**
 * What the container says about an input, read by {@link FfmpegInput#probe()}.
 *
 * @param input            the input's description (path, or URL without its query string)
 * @param durationSeconds  duration from the container, {@code NaN} when unknown (an estimate for
 *                         some formats, e.g. MP3 without a Xing header)
 * @param sourceSampleRate sample rate of the audio stream as stored
 * @param sourceChannels   channel count of the audio stream as stored
 * @param codec            FFmpeg's short codec name, e.g. {@code mp3}, {@code aac}, {@code pcm_s16le}
 * @param title            the {@code title} tag, when present and not blank
 * @param artist           the {@code artist} tag, when present and not blank
 */
public record MediaInfo(String input, double durationSeconds, int sourceSampleRate, int sourceChannels,
                        String codec, Optional<String> title, Optional<String> artist) {
}
