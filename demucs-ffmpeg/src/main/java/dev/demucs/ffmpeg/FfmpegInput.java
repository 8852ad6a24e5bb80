package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;

import java.util.Objects;

/**
 * A re-openable FFmpeg input — a local file — decoded to planar float PCM at a fixed sample rate and channel count. Every {@link #open()} starts a new,
 * deterministic decoding pass, so the streaming separator can read the input twice.
 *
 * <pre>{@code
 * FfmpegInput input = FfmpegInput.of("song.mp3", 44100, 2);
 * MediaInfo info = input.probe();                 // duration, codec, tags
 * try (AudioSource source = input.open()) {
 *     float[][] block = new float[2][4096];
 *     for (int n; (n = source.read(block, 0, 4096)) > 0; ) { ... }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Resampling: libswresample, to {@code sampleRate}.</li>
 *   <li>Channels: mono is duplicated to every output channel (no gain change); stereo to mono is
 *       the mean of the two; more than two channels are down-mixed by libswresample's default
 *       matrix (centre and surrounds at −3 dB into left/right, LFE dropped; not normalised, so
 *       a loud 5.1 mix can exceed ±1) — the same as {@code ffmpeg -ac 2}.</li>
 *   <li>Ranges: {@link #open(long, long)} decodes from the first frame and drops frames before
 *       the range, so ranges are sample-exact for every codec (MP3 seeking is not); ranges
 *       concatenated equal the whole decode.</li>
 *   <li>Lockdown: FFmpeg opens local files only (protocols {@code file} and {@code pipe}; a URL
 *       fails with {@link MediaIOException.Reason#NOT_FOUND}: fetch it first with demucs-net),
 *       and only demuxers of self-contained audio/media files: a playlist (hls/m3u8), a concat
 *       list, a DASH manifest, an image sequence and the like fail with
 *       {@link MediaIOException.Reason#NOT_AUDIO} naming the detected format.</li>
 *   <li>Errors: {@link MediaIOException} (an {@link dev.demucs.core.AudioIOException}) whose
 *       one-line message names the input and the reason, with the reason as a value.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; each opened {@link AudioSource} is for one thread.
 */
public final class FfmpegInput implements AudioInput {

    private final String pathOrUrl;
    private final int sampleRate;
    private final int channels;
    private final DecodeOptions options;
    private final boolean url;
    private final String description;

    private FfmpegInput(String pathOrUrl, int sampleRate, int channels, DecodeOptions options) {
        this.pathOrUrl = Objects.requireNonNull(pathOrUrl, "pathOrUrl");
        if (pathOrUrl.isBlank()) {
            throw new IllegalArgumentException("input path or URL is blank");
        }
        if (sampleRate < 1000 || sampleRate > 768000) {
            throw new IllegalArgumentException("sampleRate must be in 1000 … 768000, got " + sampleRate);
        }
        if (channels < 1 || channels > 8) {
            throw new IllegalArgumentException("channels must be in 1 … 8, got " + channels);
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.options = Objects.requireNonNull(options, "options");
        this.url = pathOrUrl.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*://.*");
        this.description = url ? withoutSecrets(pathOrUrl) : pathOrUrl;
    }

    /** An input with {@link DecodeOptions#defaults()}. */
    public static FfmpegInput of(String pathOrUrl, int sampleRate, int channels) {
        return of(pathOrUrl, sampleRate, channels, DecodeOptions.defaults());
    }

    /**
     * @param pathOrUrl  a local file path (a URL is refused when opened)
     * @param sampleRate output sample rate in Hz
     * @param channels   output channel count (1 … 8; Demucs uses 2)
     * @param options    open and read time-outs
     */
    public static FfmpegInput of(String pathOrUrl, int sampleRate, int channels, DecodeOptions options) {
        return new FfmpegInput(pathOrUrl, sampleRate, channels, options);
    }

    /**
     * Opens the container, reads the stream information and tags, and closes it again.
     *
     * @throws MediaIOException when the input cannot be opened or has no audio stream
     */
    public MediaInfo probe() {
        return FfmpegDecoder.probe(this);
    }

    /** A streaming pass from the first frame to the end; the caller closes it. */
    @Override
    public AudioSource open() {
        return FfmpegDecoder.open(this, 0, Long.MAX_VALUE);
    }

    /**
     * A pass over frames {@code [startFrame, endFrame)} at the output rate, cut sample-exactly
     * from one continuous decode (frames before {@code startFrame} are decoded and dropped). The
     * pass ends early when the input does.
     */
    public AudioSource open(long startFrame, long endFrame) {
        if (startFrame < 0 || endFrame < startFrame) {
            throw new IllegalArgumentException("bad frame range [" + startFrame + ", " + endFrame + ")");
        }
        return FfmpegDecoder.open(this, startFrame, endFrame);
    }

    /** The path, or the URL without its query string, user info and fragment. */
    @Override
    public String description() {
        return description;
    }

    /** Output sample rate in Hz. */
    public int sampleRate() {
        return sampleRate;
    }

    /** Output channel count. */
    public int channels() {
        return channels;
    }

    /** Open and read time-outs. */
    public DecodeOptions options() {
        return options;
    }

    String pathOrUrl() {
        return pathOrUrl;
    }

    boolean isUrl() {
        return url;
    }

    @Override
    public String toString() {
        return "FfmpegInput{" + description + ", " + sampleRate + " Hz, " + channels + " ch}";
    }

    /** Drops the query, fragment and user info of a URL (they may hold credentials or signatures). */
    static String withoutSecrets(String url) {
        String s = url;
        int cut = s.length();
        int q = s.indexOf('?');
        if (q >= 0) {
            cut = Math.min(cut, q);
        }
        int h = s.indexOf('#');
        if (h >= 0) {
            cut = Math.min(cut, h);
        }
        s = s.substring(0, cut);
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            int hostStart = scheme + 3;
            int slash = s.indexOf('/', hostStart);
            int hostEnd = slash < 0 ? s.length() : slash;
            int at = s.lastIndexOf('@', hostEnd - 1);
            if (at >= hostStart) {
                s = s.substring(0, hostStart) + s.substring(at + 1);
            }
        }
        return s;
    }
}
