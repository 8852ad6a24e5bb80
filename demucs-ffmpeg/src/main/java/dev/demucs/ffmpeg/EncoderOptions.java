package dev.demucs.ffmpeg;

/**
 * Encoder settings for {@link AudioWriter}.
 *
 * @param bitrateKbps bit rate of the lossy formats (MP3, M4A/AAC) in kbit/s, 8 … 640; ignored by
 *                    WAV and FLAC
 * @param clipMode    clipping prevention applied before encoding, never null
 */
public record EncoderOptions(int bitrateKbps, ClipMode clipMode) {

    /** Upstream Demucs' MP3 default. */
    public static final int DEFAULT_BITRATE_KBPS = 320;

    public EncoderOptions {
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
        return new EncoderOptions(kbps, clipMode);
    }

    /** A copy with another clip mode. */
    public EncoderOptions withClipMode(ClipMode mode) {
        return new EncoderOptions(bitrateKbps, mode);
    }
}
