package dev.demucs.ffmpeg;

import java.util.Locale;

/**
 * Output formats of {@link AudioWriter}.
 *
 * <pre>
 * format        container  codec        samples fed to the encoder
 * WAV_PCM16     wav        pcm_s16le    clamp to [−1, 1], ·32767, rounded
 * WAV_PCM24     wav        pcm_s24le    clamp to [−1, 1], ·8388607, rounded
 * WAV_FLOAT32   wav        pcm_f32le    the floats as they are
 * FLAC          flac       flac         16-bit, as WAV_PCM16
 * MP3           mp3        libmp3lame   float; constant bit rate from EncoderOptions
 * M4A           ipod (mp4) aac          float; bit rate from EncoderOptions; index at the front
 * </pre>
 */
public enum AudioFormat {
    WAV_PCM16("wav"),
    WAV_PCM24("wav"),
    WAV_FLOAT32("wav"),
    FLAC("flac"),
    MP3("mp3"),
    M4A("m4a");

    private final String extension;

    AudioFormat(String extension) {
        this.extension = extension;
    }

    /**
     * The format for a file name's extension: {@code .wav} → {@link #WAV_PCM16}, {@code .flac},
     * {@code .mp3}, {@code .m4a} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the file when the extension is not one of these
     */
    public static AudioFormat fromFileName(String name) {
        if (name != null) {
            int dot = name.lastIndexOf('.');
            String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
            switch (ext) {
                case "wav":
                    return WAV_PCM16;
                case "flac":
                    return FLAC;
                case "mp3":
                    return MP3;
                case "m4a":
                    return M4A;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("cannot tell the audio format of '" + name
                + "': use a .wav, .flac, .mp3 or .m4a file name");
    }

    /** The file extension without a dot: {@code wav}, {@code flac}, {@code mp3}, {@code m4a}. */
    public String extension() {
        return extension;
    }

    /** Whether samples are stored as integers (clipping matters). */
    public boolean isInteger() {
        return this == WAV_PCM16 || this == WAV_PCM24 || this == FLAC;
    }
}
