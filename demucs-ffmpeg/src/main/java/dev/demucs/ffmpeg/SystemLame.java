package dev.demucs.ffmpeg;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

import java.util.Arrays;
import java.util.Locale;

/**
 * MP3 frames from the platform's own libmp3lame (called through JNA) when it is the LAME release
 * the bundled FFmpeg carries.
 *
 * <p>Why: the JavaCPP FFmpeg build links a libmp3lame compiled without optimisation (its hot loops
 * keep every variable on the stack), which at the same settings encodes 2.4–2.9× slower than a
 * distribution's build such as Debian's {@code libmp3lame0}; on a 2-core host that encoder was
 * the host pipeline's critical path. The same LAME release with the same settings produces the
 * same frames, so {@link FfmpegEncoder} hands these frames to FFmpeg's mp3 muxer exactly as
 * FFmpeg's libmp3lame wrapper would (one packet per frame, the same timestamps and skip-samples
 * side data) and the file is byte for byte the one the bundled encoder writes.
 *
 * <p>Chosen by the system property {@value #PROPERTY}: {@code auto} (the default) uses the
 * system's library where it loads and reports version {@value #LAME_RELEASE}; {@code bundled}
 * always uses FFmpeg's.
 */
final class SystemLame implements AutoCloseable {

    /** System property choosing the MP3 encoder: {@code auto} or {@code bundled}. */
    static final String PROPERTY = "demucs.mp3.lame";
    /** The LAME release inside the bundled FFmpeg: only this one gives the same frames. */
    static final String LAME_RELEASE = "3.100";
    /** The sample rates FFmpeg's libmp3lame wrapper accepts; others take the bundled path and its error. */
    private static final int[] SAMPLE_RATES = {44100, 48000, 32000, 22050, 24000, 16000, 11025, 12000, 8000};
    /** LAME's MPEG_mode values. */
    private static final int JOINT_STEREO = 1;
    private static final int MONO = 3;
    /** FFmpeg's libmp3lame wrapper reports LAME's encoder delay plus the decoder's 528 + 1 samples. */
    private static final int DECODER_DELAY = 528 + 1;

    /** The part of LAME's C API the wrapper uses ({@code lame.h}). */
    interface Lame extends Library {
        String get_lame_version();

        Pointer lame_init();

        int lame_set_num_channels(Pointer gfp, int channels);

        int lame_set_mode(Pointer gfp, int mode);

        int lame_set_in_samplerate(Pointer gfp, int rate);

        int lame_set_out_samplerate(Pointer gfp, int rate);

        int lame_set_quality(Pointer gfp, int quality);

        int lame_set_brate(Pointer gfp, int kbps);

        int lame_set_bWriteVbrTag(Pointer gfp, int write);

        int lame_set_disable_reservoir(Pointer gfp, int disable);

        int lame_init_params(Pointer gfp);

        int lame_get_encoder_delay(Pointer gfp);

        int lame_get_framesize(Pointer gfp);

        int lame_encode_buffer_float(Pointer gfp, float[] left, float[] right, int samples, byte[] out, int outSize);

        int lame_encode_flush(Pointer gfp, byte[] out, int outSize);

        int lame_close(Pointer gfp);
    }

    private static final Lame LIBRARY = load();

    private final Pointer gfp;
    private final int channels;
    private final int frameSize;
    private final int initialPadding;
    private float[][] scaled = new float[2][0];
    private byte[] output = new byte[0];
    /** Bytes LAME has produced that no frame has taken yet, from index 0. */
    private byte[] encoded = new byte[0];
    private int pending;
    /** Input samples (per channel) plus the initial padding: what the packets' durations add up to. */
    private long queued;
    /** Samples of {@link #queued} the packets so far have covered. */
    private long covered;
    private long packets;

    private SystemLame(Pointer gfp, int channels) {
        this.gfp = gfp;
        this.channels = channels;
        this.frameSize = LIBRARY.lame_get_framesize(gfp);
        this.initialPadding = LIBRARY.lame_get_encoder_delay(gfp) + DECODER_DELAY;
        this.queued = initialPadding;
    }

    /** Whether MP3s are encoded with the system's libmp3lame here (the property allows it and it loads). */
    static boolean available() {
        return LIBRARY != null && !"bundled".equals(System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT));
    }

    /**
     * An encoder set up as FFmpeg's libmp3lame wrapper sets one up for these settings (constant bit
     * rate, joint stereo, bit reservoir on, no Xing frame from LAME), or null where the system's
     * library is not to be used or does not take these settings: the caller then uses FFmpeg's.
     */
    static SystemLame openOrNull(int sampleRate, int channels, int bitrateKbps, int quality) {
        if (!available() || channels < 1 || channels > 2
                || Arrays.stream(SAMPLE_RATES).noneMatch(r -> r == sampleRate)) {
            return null;
        }
        Pointer gfp = LIBRARY.lame_init();
        if (gfp == null) {
            return null;
        }
        LIBRARY.lame_set_num_channels(gfp, channels);
        LIBRARY.lame_set_mode(gfp, channels > 1 ? JOINT_STEREO : MONO);
        LIBRARY.lame_set_in_samplerate(gfp, sampleRate);
        LIBRARY.lame_set_out_samplerate(gfp, sampleRate);
        LIBRARY.lame_set_quality(gfp, quality);
        LIBRARY.lame_set_brate(gfp, bitrateKbps);
        LIBRARY.lame_set_bWriteVbrTag(gfp, 0);
        LIBRARY.lame_set_disable_reservoir(gfp, 0);
        if (LIBRARY.lame_init_params(gfp) < 0) {
            LIBRARY.lame_close(gfp);
            return null;
        }
        return new SystemLame(gfp, channels);
    }

    private static Lame load() {
        try {
            Lame lame;
            try {
                lame = com.sun.jna.Native.load("mp3lame", Lame.class);
            } catch (UnsatisfiedLinkError unversionedNameMissing) {
                lame = com.sun.jna.Native.load("libmp3lame.so.0", Lame.class);
            }
            return LAME_RELEASE.equals(lame.get_lame_version()) ? lame : null;
        } catch (LinkageError | RuntimeException notThere) {
            return null; // no such library, another release, or JNA's own native part cannot load
        }
    }

    /** Samples per channel in one MP3 frame (1152 for MPEG-1). */
    int frameSize() {
        return frameSize;
    }

    /** LAME's encoder delay plus the decoder's 529 samples, as FFmpeg's wrapper reports it. */
    int initialPadding() {
        return initialPadding;
    }

    /** Encodes {@code n} samples of {@code planar[c][offset ..]} (full scale ±1). */
    void encode(float[][] planar, int offset, int n) {
        if (n == 0) {
            return;
        }
        if (scaled[0].length < n) {
            scaled = new float[2][n];
        }
        for (int c = 0; c < channels; c++) {
            float[] in = planar[c];
            float[] out = scaled[c];
            for (int i = 0; i < n; i++) {
                out[i] = in[offset + i] * 32768f; // what the wrapper does before lame_encode_buffer_float
            }
        }
        int room = n + n / 4 + 7200; // lame.h's worst case for n samples
        byte[] out = scratch(room);
        take(out, LIBRARY.lame_encode_buffer_float(gfp, scaled[0], channels > 1 ? scaled[1] : null, n, out, room));
        queued += n;
    }

    /** Encodes what LAME still holds; its last frames then come out of {@link #nextFrame()}. */
    void flush() {
        if (queued == initialPadding) {
            return; // as the wrapper: nothing was encoded, so nothing is flushed
        }
        byte[] out = scratch(7200);
        take(out, LIBRARY.lame_encode_flush(gfp, out, 7200));
    }

    private byte[] scratch(int bytes) {
        if (output.length < bytes) {
            output = new byte[bytes];
        }
        return output;
    }

    private void take(byte[] out, int bytes) {
        if (bytes < 0) {
            throw new MediaIOException(MediaIOException.Reason.WRITE_FAILED, "libmp3lame failed with code " + bytes);
        }
        if (encoded.length < pending + bytes) {
            encoded = Arrays.copyOf(encoded, Math.max(2 * encoded.length, pending + bytes));
        }
        System.arraycopy(out, 0, encoded, pending, bytes);
        pending += bytes;
    }

    /**
     * The next whole MP3 frame LAME has produced, with the timestamps and skip-samples values
     * FFmpeg's wrapper gives its packet, or null when no whole frame is pending.
     */
    Frame nextFrame() {
        if (pending < 4) {
            return null;
        }
        int length = frameLength(encoded);
        if (length > pending) {
            return null;
        }
        long pts = packets * frameSize - initialPadding;
        int duration = (int) Math.min(frameSize, queued - covered);
        covered += duration;
        Frame frame = new Frame(Arrays.copyOf(encoded, length), pts, duration,
                packets == 0 ? initialPadding : 0, frameSize - duration);
        System.arraycopy(encoded, length, encoded, 0, pending - length);
        pending -= length;
        packets++;
        return frame;
    }

    /**
     * One MP3 frame as FFmpeg's libmp3lame wrapper packs it.
     *
     * @param bytes     the frame
     * @param pts       presentation time in samples (the first frame starts before zero by the initial padding)
     * @param duration  samples of input it covers (less than a frame at the end, then zero)
     * @param skipStart samples to skip at the start (the initial padding, first frame only)
     * @param discard   samples of the frame past the end of the input
     */
    record Frame(byte[] bytes, long pts, int duration, int skipStart, int discard) {
        /** Whether the wrapper attaches skip-samples side data to this packet. */
        boolean hasSkipSamples() {
            return skipStart > 0 || discard > 0;
        }
    }

    /** Bytes of the MPEG audio Layer III frame whose header starts {@code data}. */
    static int frameLength(byte[] data) {
        int header = (data[0] & 0xff) << 24 | (data[1] & 0xff) << 16 | (data[2] & 0xff) << 8 | (data[3] & 0xff);
        int version = header >>> 19 & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        int layer = header >>> 17 & 3; // 1: Layer III
        int bitrateIndex = header >>> 12 & 15;
        int rateIndex = header >>> 10 & 3;
        if ((header & 0xffe00000) != 0xffe00000 || version == 1 || layer != 1 || bitrateIndex == 0
                || bitrateIndex == 15 || rateIndex == 3) {
            throw new IllegalStateException(String.format("libmp3lame produced no Layer III frame header (%08x)", header));
        }
        int mpeg1 = version == 3 ? 1 : 0;
        int rate = new int[] {44100, 48000, 32000}[rateIndex] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
        int kbps = (mpeg1 == 1 ? MPEG1_KBPS : MPEG2_KBPS)[bitrateIndex];
        int padding = header >>> 9 & 1;
        return (mpeg1 == 1 ? 144_000 : 72_000) * kbps / rate + padding;
    }

    private static final int[] MPEG1_KBPS = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
    private static final int[] MPEG2_KBPS = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};

    @Override
    public void close() {
        LIBRARY.lame_close(gfp);
    }
}
