package dev.demucs.core.dsp;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * The STFT and inverse STFT of Demucs' hybrid models ({@code HTDemucs._spec} / {@code _ispec}),
 * exactly as upstream computes them with {@code torch.stft} / {@code torch.istft}: n_fft 4096,
 * hop 1024, periodic Hann window, normalised (1/√4096), centred with reflect padding, plus
 * Demucs' own reflect padding and cropping around it.
 *
 * <pre>
 * spec(x[T])        le = ceil(T / 1024) frames
 *                   x' = reflect_pad(x, 1536, 1536 + 1024·le − T)   (zeros inserted first when T is
 *                        too short to reflect, as demucs.hdemucs.pad1d does)
 *                   Z  = stft(x', centred, reflect) → 2049 bins × (le + 4) frames
 *                   keep bins 0 … 2047 and frames 2 … le + 1
 * ispec(Z[2048×le], T)  add a zero Nyquist bin and two zero frames on each side,
 *                   istft (centred, length 1024·le + 3072), keep samples 1536 … 1536 + T − 1
 * </pre>
 *
 * <p>Layout of a spectrogram: two planes (real, imaginary) of {@code [bin][frame]}, i.e. element
 * (bin, frame) at {@code plane + bin·le + frame}; a stereo model input stacks
 * ch0 real, ch0 imaginary, ch1 real, ch1 imaginary.
 *
 * <pre>{@code
 * DemucsStft stft = new DemucsStft();
 * int le = DemucsStft.frames(x.length);
 * float[] z = new float[2 * DemucsStft.BINS * le];
 * stft.spec(x, 0, x.length, z, 0, DemucsStft.BINS * le);
 * float[] back = new float[x.length];
 * stft.ispec(z, 0, DemucsStft.BINS * le, x.length, back, 0);   // back ≈ x
 * }</pre>
 *
 * <p>The FFT plan and window are built once per instance. An instance keeps work arrays, so it is
 * <b>not</b> thread-safe: use one per thread.
 */
public final class DemucsStft {

    /** FFT size. */
    public static final int N_FFT = 4096;
    /** Hop between frames, in samples. */
    public static final int HOP = 1024;
    /** Frequency bins the model sees (the Nyquist bin is dropped). */
    public static final int BINS = N_FFT / 2;

    private static final int DEMUCS_PAD = HOP / 2 * 3;
    private static final int CENTER_PAD = N_FFT / 2;

    private final FloatFFT_1D fft = new FloatFFT_1D(N_FFT);
    private final float[] window = new float[N_FFT];
    /** 1 / Σ_m window²[r + 1024·m] for r in [0, 1024): the istft envelope where four frames overlap. */
    private final float[] inverseEnvelope = new float[HOP];
    private final float[] frame = new float[N_FFT];
    private float[] padded = new float[0];
    private float[] stage1 = new float[0];
    private float[] ola = new float[0];

    /** Builds the FFT plan and the window. */
    public DemucsStft() {
        for (int i = 0; i < N_FFT; i++) {
            window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / N_FFT));
        }
        for (int r = 0; r < HOP; r++) {
            double sum = 0;
            for (int m = 0; m < N_FFT / HOP; m++) {
                double w = window[r + HOP * m];
                sum += w * w;
            }
            inverseEnvelope[r] = (float) (1.0 / sum);
        }
    }

    /** Spectrogram frames for a signal of {@code lengthSamples}: ceil(T / 1024). */
    public static int frames(int lengthSamples) {
        return (lengthSamples + HOP - 1) / HOP;
    }

    /**
     * Demucs' {@code spec} of one channel.
     *
     * @param signal     input samples
     * @param offset     first sample of the signal in {@code signal}
     * @param length     T, samples (≥ 1)
     * @param out        receives 2048 × le values per plane
     * @param realOffset start of the real plane in {@code out}
     * @param imagOffset start of the imaginary plane in {@code out}
     */
    public void spec(float[] signal, int offset, int length, float[] out, int realOffset, int imagOffset) {
        if (length < 1) {
            throw new IllegalArgumentException("spec needs at least one sample, got " + length);
        }
        int le = frames(length);
        // Stage 1: demucs pad1d(x, (1536, 1536 + le·1024 − T), reflect), zeros inserted when too short.
        int padLeft = DEMUCS_PAD;
        int padRight = DEMUCS_PAD + le * HOP - length;
        int maxPad = Math.max(padLeft, padRight);
        int extraLeft = 0;
        int extraRight = 0;
        if (length <= maxPad) {
            int extra = maxPad - length + 1;
            extraRight = Math.min(padRight, extra);
            extraLeft = extra - extraRight;
            padLeft -= extraLeft;
            padRight -= extraRight;
        }
        int length1 = extraLeft + length + extraRight;
        if (stage1.length < length1) {
            stage1 = new float[length1];
        }
        java.util.Arrays.fill(stage1, 0, length1, 0f);
        System.arraycopy(signal, offset, stage1, extraLeft, length);
        int length2 = length1 + padLeft + padRight; // = 1024·le + 3072
        // Stage 2: torch.stft(center=True, pad_mode=reflect) pads n_fft/2 on both sides.
        int length3 = length2 + 2 * CENTER_PAD;
        if (padded.length < length3) {
            padded = new float[length3];
        }
        // Only the two edges are reflections; in between, padded[i] = stage1[i − CENTER_PAD − padLeft].
        int interiorStart = CENTER_PAD + padLeft;
        System.arraycopy(stage1, 0, padded, interiorStart, length1);
        for (int i = 0; i < interiorStart; i++) {
            padded[i] = stage1[reflect(reflect(i - CENTER_PAD, length2) - padLeft, length1)];
        }
        for (int i = interiorStart + length1; i < length3; i++) {
            padded[i] = stage1[reflect(reflect(i - CENTER_PAD, length2) - padLeft, length1)];
        }
        float scale = (float) (1.0 / Math.sqrt(N_FFT));
        for (int f = 0; f < le; f++) {
            int start = (f + 2) * HOP;
            for (int i = 0; i < N_FFT; i++) {
                frame[i] = padded[start + i] * window[i];
            }
            fft.realForward(frame);
            out[realOffset + f] = frame[0] * scale;
            out[imagOffset + f] = 0f;
            for (int k = 1; k < BINS; k++) {
                out[realOffset + k * le + f] = frame[2 * k] * scale;
                out[imagOffset + k * le + f] = frame[2 * k + 1] * scale;
            }
        }
    }

    /**
     * Demucs' {@code ispec} of one channel.
     *
     * @param in         spectrogram planes of 2048 × le values, le = frames(length)
     * @param realOffset start of the real plane in {@code in}
     * @param imagOffset start of the imaginary plane in {@code in}
     * @param length     T, samples to produce
     * @param out        receives T samples
     * @param outOffset  where in {@code out}
     */
    public void ispec(float[] in, int realOffset, int imagOffset, int length, float[] out, int outOffset) {
        int le = frames(length);
        // After padding: frames 0,1 and le+2, le+3 are zero; frame f starts at f·1024 in the OLA buffer.
        // Output sample i sits at 2048 (centre) + 1536 (demucs pad) + i.
        int first = CENTER_PAD + DEMUCS_PAD;
        int olaLength = (le + 2) * HOP + N_FFT;
        if (ola.length < olaLength) {
            ola = new float[olaLength];
        }
        java.util.Arrays.fill(ola, 0, olaLength, 0f);
        float scale = (float) Math.sqrt(N_FFT);
        for (int j = 0; j < le; j++) {
            frame[0] = in[realOffset + j];
            frame[1] = 0f; // Nyquist bin, added back as zero
            for (int k = 1; k < BINS; k++) {
                frame[2 * k] = in[realOffset + k * le + j];
                frame[2 * k + 1] = in[imagOffset + k * le + j];
            }
            fft.realInverse(frame, true);
            int start = (j + 2) * HOP;
            for (int i = 0; i < N_FFT; i++) {
                ola[start + i] += frame[i] * scale * window[i];
            }
        }
        // in runs of one envelope period, without a remainder per sample
        for (int i = 0; i < length; ) {
            int phase = (first + i) % HOP;
            int run = Math.min(HOP - phase, length - i);
            for (int r = 0; r < run; r++) {
                out[outOffset + i + r] = ola[first + i + r] * inverseEnvelope[phase + r];
            }
            i += run;
        }
    }

    /** torch's reflect padding index: −1 → 1, n → n − 2. */
    private static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }
}
