package dev.demucs.importer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Test-side reimplementation (double precision) of what surrounds the two-input ONNX model in
 * upstream Demucs: HTDemucs._spec / _ispec (torch.stft / istft, normalized, centred, reflect
 * padding), demucs.apply.apply_model (split, overlap 0.25, triangle weights, centre padding) and
 * demucs.api's whole-track normalisation. Independent of demucs-core's engine, so the graph can
 * be checked against upstream's stems on its own.
 */
final class ReferencePipeline {

    private final OrtSession session;
    private final int sources;
    private final int segment;
    private final int nfft;
    private final int hop;
    private final double[] window;

    ReferencePipeline(OrtSession session, int sources, int segmentSamples, int nfft) {
        this.session = session;
        this.sources = sources;
        this.segment = segmentSamples;
        this.nfft = nfft;
        this.hop = nfft / 4;
        this.window = new double[nfft];
        for (int i = 0; i < nfft; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / nfft);
        }
    }

    /** Whole-track separation: mix [2][N] → stems [S][2][N]. */
    float[][][] separate(float[][] mix) throws OrtException {
        int channels = mix.length;
        int n = mix[0].length;
        double[] mono = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (float[] ch : mix) {
                s += ch[i];
            }
            mono[i] = (float) (s / channels);
        }
        double mean = 0;
        for (double v : mono) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        for (double v : mono) {
            var += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(var / (n - 1));
        float[][] norm = new float[channels][n];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                norm[c][i] = (float) ((mix[c][i] - mean) / (std + 1e-8));
            }
        }
        double[][][] out = new double[sources][channels][n];
        double[] sumWeight = new double[n];
        int stride = (int) (0.75 * segment);
        double[] weight = new double[segment];
        int half = segment / 2;
        for (int i = 0; i < segment; i++) {
            weight[i] = i < half ? (i + 1) : (segment - i);
        }
        double max = 0;
        for (double w : weight) {
            max = Math.max(max, w);
        }
        for (int i = 0; i < segment; i++) {
            weight[i] = (float) (weight[i] / max);
        }
        for (int offset = 0; offset < n; offset += stride) {
            int chunkLength = Math.min(segment, n - offset);
            int delta = segment - chunkLength;
            int start = offset - delta / 2;
            float[][] chunk = new float[channels][segment];
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < segment; i++) {
                    int src = start + i;
                    chunk[c][i] = src >= 0 && src < n ? norm[c][src] : 0f;
                }
            }
            float[][][] res = runModel(chunk);
            for (int s = 0; s < sources; s++) {
                for (int c = 0; c < channels; c++) {
                    for (int i = 0; i < chunkLength; i++) {
                        out[s][c][offset + i] += weight[i] * res[s][c][delta / 2 + i];
                    }
                }
            }
            for (int i = 0; i < chunkLength; i++) {
                sumWeight[offset + i] += weight[i];
            }
        }
        float[][][] stems = new float[sources][channels][n];
        for (int s = 0; s < sources; s++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < n; i++) {
                    stems[s][c][i] = (float) (out[s][c][i] / sumWeight[i] * (std + 1e-8) + mean);
                }
            }
        }
        return stems;
    }

    /** One model run on exactly one segment: [2][L] → [S][2][L] = time + ispec(freq). */
    float[][][] runModel(float[][] chunk) throws OrtException {
        int channels = chunk.length;
        int frames = (segment + hop - 1) / hop;
        int bins = nfft / 2;
        float[] spec = new float[2 * channels * bins * frames];
        for (int c = 0; c < channels; c++) {
            double[][][] z = stft(padForSpec(chunk[c]));  // [frames+4][bins+1][2]
            for (int f = 0; f < bins; f++) {
                for (int t = 0; t < frames; t++) {
                    spec[((2 * c) * bins + f) * frames + t] = (float) z[t + 2][f][0];
                    spec[((2 * c + 1) * bins + f) * frames + t] = (float) z[t + 2][f][1];
                }
            }
        }
        float[] wave = new float[channels * segment];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(chunk[c], 0, wave, c * segment, segment);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor w = OnnxTensor.createTensor(env, FloatBuffer.wrap(wave), new long[]{1, channels, segment});
             OnnxTensor sp = OnnxTensor.createTensor(env, FloatBuffer.wrap(spec), new long[]{1, 2L * channels, bins, frames});
             OrtSession.Result r = session.run(Map.of("input", w, "spectrogram", sp))) {
            float[] freq = ((OnnxTensor) r.get("output").orElseThrow()).getFloatBuffer().array();
            float[] time = ((OnnxTensor) r.get("time_output").orElseThrow()).getFloatBuffer().array();
            float[][][] out = new float[sources][channels][segment];
            for (int s = 0; s < sources; s++) {
                for (int c = 0; c < channels; c++) {
                    double[] x = ispec(freq, s, c, channels, bins, frames);
                    for (int i = 0; i < segment; i++) {
                        out[s][c][i] = (float) (time[(s * channels + c) * segment + i] + x[i]);
                    }
                }
            }
            return out;
        }
    }

    /** HTDemucs._spec padding: reflect pad (3·hop/2, 3·hop/2 + le·hop − L), then centre pad nfft/2. */
    private double[] padForSpec(float[] x) {
        int length = x.length;
        int le = (length + hop - 1) / hop;
        int pad = hop / 2 * 3;
        double[] a = reflect(toDouble(x), pad, pad + le * hop - length);
        return reflect(a, nfft / 2, nfft / 2);
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static double[] reflect(double[] x, int left, int right) {
        int n = x.length;
        double[] out = new double[n + left + right];
        for (int i = 0; i < out.length; i++) {
            int j = i - left;
            if (j < 0) {
                j = -j;
            } else if (j >= n) {
                j = 2 * (n - 1) - j;
            }
            out[i] = x[j];
        }
        return out;
    }

    /** Frames of the (already centre-padded) signal: [frames][nfft/2+1][re, im], normalized. */
    private double[][][] stft(double[] x) {
        int frames = (x.length - nfft) / hop + 1;
        double[][][] out = new double[frames][nfft / 2 + 1][2];
        double scale = 1 / Math.sqrt(nfft);
        double[] re = new double[nfft];
        double[] im = new double[nfft];
        for (int t = 0; t < frames; t++) {
            for (int i = 0; i < nfft; i++) {
                re[i] = x[t * hop + i] * window[i];
                im[i] = 0;
            }
            fft(re, im, false);
            for (int k = 0; k <= nfft / 2; k++) {
                out[t][k][0] = re[k] * scale;
                out[t][k][1] = im[k] * scale;
            }
        }
        return out;
    }

    /** HTDemucs._ispec of one source/channel of the frequency output. */
    private double[] ispec(float[] freq, int s, int c, int channels, int bins, int frames) {
        int totalFrames = frames + 4;
        int pad = hop / 2 * 3;
        int le = hop * ((segment + hop - 1) / hop) + 2 * pad;
        int olaLength = nfft + hop * (totalFrames - 1);
        double[] ola = new double[olaLength];
        double[] env = new double[olaLength];
        double[] re = new double[nfft];
        double[] im = new double[nfft];
        int base = ((s * 2 * channels) + 2 * c) * bins * frames;
        for (int t = 0; t < totalFrames; t++) {
            java.util.Arrays.fill(re, 0);
            java.util.Arrays.fill(im, 0);
            int ft = t - 2;
            if (ft >= 0 && ft < frames) {
                for (int k = 0; k < bins; k++) {
                    re[k] = freq[base + k * frames + ft];
                    im[k] = freq[base + bins * frames + k * frames + ft];
                }
            }
            // Hermitian extension; DC imaginary part ignored by c2r, Nyquist bin is zero
            im[0] = 0;
            for (int k = 1; k < nfft / 2; k++) {
                re[nfft - k] = re[k];
                im[nfft - k] = -im[k];
            }
            fft(re, im, true);
            for (int i = 0; i < nfft; i++) {
                double v = re[i] / nfft * Math.sqrt(nfft);
                ola[t * hop + i] += v * window[i];
                env[t * hop + i] += window[i] * window[i];
            }
        }
        double[] out = new double[segment];
        int startFull = nfft / 2;
        for (int i = 0; i < segment; i++) {
            int j = startFull + pad + i;
            out[i] = ola[j] / env[j];
        }
        if (le < pad + segment) {
            throw new IllegalStateException("ispec length");
        }
        return out;
    }

    private static final java.util.concurrent.ConcurrentHashMap<Integer, double[][]> TWIDDLES = new java.util.concurrent.ConcurrentHashMap<>();

    private static double[][] twiddles(int n) {
        double[][] t = new double[2][n / 2];
        for (int k = 0; k < n / 2; k++) {
            t[0][k] = Math.cos(2 * Math.PI * k / n);
            t[1][k] = -Math.sin(2 * Math.PI * k / n);
        }
        return t;
    }

    /** In-place radix-2 complex FFT (inverse without the 1/N factor). */
    static void fft(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        double[][] tw = TWIDDLES.computeIfAbsent(n, ReferencePipeline::twiddles);
        for (int len = 2; len <= n; len <<= 1) {
            int step = n / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < len / 2; k++) {
                    double wr = tw[0][k * step];
                    double wi = inverse ? -tw[1][k * step] : tw[1][k * step];
                    int a = i + k;
                    int b = a + len / 2;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }
}
