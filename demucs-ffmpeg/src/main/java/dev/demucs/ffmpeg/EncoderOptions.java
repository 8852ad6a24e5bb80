package dev.demucs.ffmpeg;

/**
 * Encoder settings for {@link AudioWriter}.
 *
 * @param bitrateKbps bit rate of the lossy formats (MP3, M4A/AAC) in kbit/s, 8 … 640; ignored by
 *                    WAV and FLAC
 * @param clipMode    clipping prevention applied before encoding, never null
 * @param mp3Quality  LAME's algorithm quality for MP3 (0 = best, slowest … 9 = fastest; upstream
 *                    Demucs' {@code --mp3-preset}, default {@value #DEFAULT_MP3_QUALITY}); ignored
 *                    by the other formats
 */
public record EncoderOptions(int bitrateKbps, ClipMode clipMode, int mp3Quality) {

    /** Upstream Demucs' MP3 default. */
    public static final int DEFAULT_BITRATE_KBPS = 320;
    /** Upstream Demucs' default {@code --mp3-preset}: LAME quality 2 (best). */
    public static final int DEFAULT_MP3_QUALITY = 2;

    /** These settings with the default MP3 quality. */
    public EncoderOptions(int bitrateKbps, ClipMode clipMode) {
        this(bitrateKbps, clipMode, DEFAULT_MP3_QUALITY);
    }

    public EncoderOptions {
        if (mp3Quality < 0 || mp3Quality > 9) {
            throw new IllegalArgumentException("mp3Quality must be in 0 … 9, got " + mp3Quality);
        }
        if (bitrateKbps < 8 || bitrateKbps > 640) {
            throw new IllegalArgumentException("bitrateKbps must be in 8 … 640, got " + bitrateKbps);
        }
        if (clipMode == null) {
            throw new IllegalArgumentException("clipMode must not be null");
        }
    }

    /** 320 kbit/s, {@link ClipMode#RESCALE} (upstream's defaults). */
    public static EncoderOptions defaults() {
        return new EncoderOptions(DEFAULT_BITRATE_KBPS, ClipMode.RESCALE);
    }

    /** A copy with another bit rate. */
    public EncoderOptions withBitrateKbps(int kbps) {
        return new EncoderOptions(kbps, clipMode, mp3Quality);
    }

    /** A copy with another clip mode. */
    public EncoderOptions withClipMode(ClipMode mode) {
        return new EncoderOptions(bitrateKbps, mode, mp3Quality);
    }

    /** A copy with another MP3 quality (LAME's 0 … 9). */
    public EncoderOptions withMp3Quality(int quality) {
        return new EncoderOptions(bitrateKbps, clipMode, quality);
    }
}
