package dev.demucs.core.engine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A deliberately plain re-implementation of upstream Demucs' apply_model (v4) for tests, written
 * from the upstream Python and sharing no code with the engine: whole arrays in double precision,
 * TensorChunk/padded semantics spelled out, one model call per chunk.
 *
 * <pre>
 * normalise: ref = mean of channels, m = mean(ref), s = std(ref, n−1); x = (mix − m)/(s + 1e-8)
 * per model: shifts > 0: padded = 22050 zeros + x + 22050 zeros; for each shift draw
 *              o = new SplittableRandom(seed).nextInt(22051) (one generator over models then shifts);
 *              res = split(padded[o : o + N + 22050 − o]); out += res[22050 − o : 22050 − o + N]; out /= shifts
 *            else out = split(x)
 * split(view of length len over array U at offset off):
 *   for q in range(0, len, stride): n = min(Lc, len − q); start = off + q − (Lc − n)//2
 *     window = U[start : start + Lc] with zeros outside U, right-padded with zeros to the model's L
 *     y = model(window)[..., :Lc][..., (Lc − n)//2 : (Lc − n)//2 + n]
 *     out[q : q + n] += w[:n]·y; sum[q : q + n] += w[:n]
 *   out / sum
 * bag: stem_k = Σ_m w_mk·out_mk / Σ_m w_mk; then stem·(s + 1e-8) + m
 * </pre>
 */
final class ReferenceSeparation {

    /** What a model does to one window: [2][L] in, [S][2][L] out. */
    interface ChunkModel {
        double[][][] apply(double[][] window);
    }

    /** One bag member: the model, its segment L, and its per-stem weights. */
    record Member(ChunkModel model, int segmentSamples, double[] weights) {
    }

    private ReferenceSeparation() {
    }

    /**
     * @param mix           [channels][N], 1 or 2 channels
     * @param chunkSamples  Lc: the segment override, or 0 for each model's own L
     * @return stems [S][2][N] for every source of the models
     */
    static double[][][] separate(float[][] mix, List<Member> members, int stems, int chunkSamples, int shifts, long seed,
                                 double overlap, double transitionPower, int sampleRate) {
        int n = mix[0].length;
        double[][] x = new double[2][n];
        for (int t = 0; t < n; t++) {
            x[0][t] = mix[0][t];
            x[1][t] = mix.length > 1 ? mix[1][t] : mix[0][t];
        }
        double mean = 0;
        for (int t = 0; t < n; t++) {
            mean += (x[0][t] + x[1][t]) / 2;
        }
        mean /= n;
        double var = 0;
        for (int t = 0; t < n; t++) {
            double d = (x[0][t] + x[1][t]) / 2 - mean;
            var += d * d;
        }
        double std = Math.sqrt(var / (n - 1));
        double[][] xn = new double[2][n];
        for (int c = 0; c < 2; c++) {
            for (int t = 0; t < n; t++) {
                xn[c][t] = (x[c][t] - mean) / (std + 1e-8);
            }
        }
        int maxShift = sampleRate / 2;
        SplittableRandom random = new SplittableRandom(seed);
        double[][][] estimate = new double[stems][2][n];
        double[] totals = new double[stems];
        for (Member member : members) {
            int lc = chunkSamples > 0 ? chunkSamples : member.segmentSamples();
            double[][][] out;
            if (shifts > 0) {
                out = new double[stems][2][n];
                double[][] padded = new double[2][n + 2 * maxShift];
                for (int c = 0; c < 2; c++) {
                    System.arraycopy(xn[c], 0, padded[c], maxShift, n);
                }
                for (int j = 0; j < shifts; j++) {
                    int offset = random.nextInt(maxShift + 1);
                    double[][][] res = split(member, lc, padded, offset, n + maxShift - offset, stems, overlap, transitionPower);
                    for (int k = 0; k < stems; k++) {
                        for (int c = 0; c < 2; c++) {
                            for (int t = 0; t < n; t++) {
                                out[k][c][t] += res[k][c][maxShift - offset + t];
                            }
                        }
                    }
                }
                for (double[][] s : out) {
                    for (double[] ch : s) {
                        for (int t = 0; t < n; t++) {
                            ch[t] /= shifts;
                        }
                    }
                }
            } else {
                out = split(member, lc, xn, 0, n, stems, overlap, transitionPower);
            }
            for (int k = 0; k < stems; k++) {
                totals[k] += member.weights()[k];
                for (int c = 0; c < 2; c++) {
                    for (int t = 0; t < n; t++) {
                        estimate[k][c][t] += out[k][c][t] * member.weights()[k];
                    }
                }
            }
        }
        for (int k = 0; k < stems; k++) {
            for (int c = 0; c < 2; c++) {
                for (int t = 0; t < n; t++) {
                    estimate[k][c][t] = estimate[k][c][t] / totals[k] * (std + 1e-8) + mean;
                }
            }
        }
        return estimate;
    }

    private static double[][][] split(Member member, int lc, double[][] u, int off, int len, int stems, double overlap,
                                      double power) {
        int modelLength = member.segmentSamples();
        int stride = (int) ((1 - overlap) * lc);
        double[] weight = new double[lc];
        int half = lc / 2;
        for (int i = 0; i < half; i++) {
            weight[i] = i + 1;
        }
        for (int i = 0; i < lc - half; i++) {
            weight[half + i] = (lc - half) - i;
        }
        double max = 0;
        for (double w : weight) {
            max = Math.max(max, w);
        }
        for (int i = 0; i < lc; i++) {
            weight[i] = Math.pow(weight[i] / max, power);
        }
        double[][][] out = new double[stems][2][len];
        double[] sum = new double[len];
        for (int q = 0; q < len; q += stride) {
            int n = Math.min(lc, len - q);
            int start = off + q - (lc - n) / 2;
            double[][] window = new double[2][modelLength];
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < lc; i++) {
                    int idx = start + i;
                    if (idx >= 0 && idx < u[c].length) {
                        window[c][i] = u[c][idx];
                    }
                }
            }
            double[][][] y = member.model().apply(window);
            int trim = (lc - n) / 2;
            for (int k = 0; k < stems; k++) {
                for (int c = 0; c < 2; c++) {
                    for (int i = 0; i < n; i++) {
                        out[k][c][q + i] += weight[i] * y[k][c][trim + i];
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                sum[q + i] += weight[i];
            }
        }
        for (int k = 0; k < stems; k++) {
            for (int c = 0; c < 2; c++) {
                for (int t = 0; t < len; t++) {
                    out[k][c][t] /= sum[t];
                }
            }
        }
        return out;
    }
}
