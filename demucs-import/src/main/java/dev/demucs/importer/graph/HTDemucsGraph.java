package dev.demucs.importer.graph;

import dev.demucs.core.InvalidModelException;
import dev.demucs.importer.torch.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds upstream's {@code HTDemucs.forward} between the spectrogram and {@code _ispec} as an ONNX
 * graph in the two-input form, from the constructor options and the state dict.
 *
 * <pre>
 * inputs : input        [B, C, L]            waveform (C audio channels, L = segment samples)
 *          spectrogram  [B, 2C, nfft/2, F]   complex-as-channels STFT (ch0 re, ch0 im, ch1 re, …), F = ceil(L / hop)
 * outputs: output       [B, S, 2C, nfft/2, F] frequency branch, de-normalised (HTDemucs._mask input, cac)
 *          time_output  [B, S, C, L]          time branch, de-normalised
 * stem s = time_output[s] + ispec(output[s])
 * </pre>
 *
 * B is 1, or the symbolic {@code batch} when built with a dynamic batch: every value then keeps the
 * batch as its first axis (the transformer's tokens are [B, N, C]) and each chunk of a batch is
 * computed on its own, as upstream's forward does.
 *
 * Everything is reproduced from upstream's modules: the normalisation of both inputs (unbiased
 * std), HEncLayer/HDecLayer (convolutions, GroupNorm, GELU, DConv residual branches with
 * LayerScale, 1x1 rewrite + GLU), the frequency embedding, the channel up/down-samplers and the
 * cross-transformer (sinusoidal/CAPE/scaled positional embeddings, pre- or post-norm layers,
 * LayerScale, group norms). Positional embeddings are precomputed as constants with float32
 * arithmetic mirroring torch's.
 */
public final class HTDemucsGraph {

    private final HTDemucsConfig cfg;
    private final StateDict state;
    private final OnnxGraph g;
    private final int audioChannels;
    private final int sourceCount;
    private final int segmentSamples;

    private HTDemucsGraph(HTDemucsConfig cfg, StateDict state, OnnxGraph g) {
        this.cfg = cfg;
        this.state = state;
        this.g = g;
        this.audioChannels = cfg.integer("audio_channels");
        this.sourceCount = cfg.sources().size();
        this.segmentSamples = cfg.segmentSamples();
    }

    /**
     * Builds the graph, consuming every state-dict tensor exactly once.
     *
     * @param dynamicBatch whether the batch axis is symbolic rather than 1
     * @throws InvalidModelException for an unsupported option, a missing, misshapen or unused tensor
     */
    public static OnnxGraph build(HTDemucsConfig cfg, StateDict state, boolean dynamicBatch) {
        cfg.validate();
        OnnxGraph g = new OnnxGraph("htdemucs", dynamicBatch);
        new HTDemucsGraph(cfg, state, g).forward();
        state.requireAllConsumed();
        return g;
    }

    // ------------------------------------------------------------------ layer plan

    /** One HEncLayer/HDecLayer as upstream's constructor lays it out. */
    private static final class Layer {
        int chin;
        int chout;
        int kernel;
        int stride;
        boolean freq;
        boolean pad;
        boolean norm;
        boolean empty;
        boolean dconv;
        boolean last;
        int context;
    }

    private final List<Layer> enc = new ArrayList<>();
    private final List<Layer> tenc = new ArrayList<>();
    private final List<Layer> dec = new ArrayList<>();
    private final List<Layer> tdec = new ArrayList<>();
    private int freqEmbRows;
    private int freqEmbDim;

    private void plan() {
        int depth = cfg.integer("depth");
        int kernelSize = cfg.integer("kernel_size");
        int stride = cfg.integer("stride");
        int normStarts = cfg.integer("norm_starts");
        int dconvMode = cfg.integer("dconv_mode");
        double growth = cfg.number("growth");
        int chin = audioChannels;
        int chinZ = chin * 2;
        int chout = cfg.flag("channels_time") ? cfg.integer("channels_time") : cfg.integer("channels");
        int choutZ = cfg.integer("channels");
        int freqs = cfg.integer("nfft") / 2;
        for (int index = 0; index < depth; index++) {
            boolean norm = index >= normStarts;
            boolean freq = freqs > 1;
            if (!freq) {
                throw new InvalidModelException(cfg.file() + ": unsupported HTDemucs option depth=" + depth
                        + " (layer " + index + " would be a time-only layer after the branches merge; upstream's "
                        + "transformer cannot run on it either)");
            }
            int ker = kernelSize;
            boolean pad = true;
            boolean lastFreq = false;
            if (freqs <= kernelSize) {
                ker = freqs;
                pad = false;
                lastFreq = true;
            }
            if (lastFreq) {
                choutZ = Math.max(chout, choutZ);
                chout = choutZ;
            }
            Layer e = new Layer();
            e.chin = chinZ;
            e.chout = choutZ;
            e.kernel = ker;
            e.stride = stride;
            e.freq = true;
            e.pad = pad;
            e.norm = norm;
            e.dconv = (dconvMode & 1) != 0;
            e.context = cfg.integer("context_enc");
            enc.add(e);
            Layer te = new Layer();
            te.chin = chin;
            te.chout = chout;
            te.kernel = kernelSize;
            te.stride = stride;
            te.freq = false;
            te.pad = true;
            te.norm = norm;
            te.empty = lastFreq;
            te.dconv = (dconvMode & 1) != 0;
            te.context = cfg.integer("context_enc");
            tenc.add(te);
            if (index == 0) {
                chin = audioChannels * sourceCount;
                chinZ = chin * 2;
            }
            Layer d = new Layer();
            d.chin = choutZ;
            d.chout = chinZ;
            d.kernel = ker;
            d.stride = stride;
            d.freq = true;
            d.pad = pad;
            d.norm = norm;
            d.dconv = (dconvMode & 2) != 0;
            d.last = index == 0;
            d.context = cfg.integer("context");
            dec.add(0, d);
            Layer td = new Layer();
            td.chin = chout;
            td.chout = chin;
            td.kernel = kernelSize;
            td.stride = stride;
            td.freq = false;
            td.pad = true;
            td.norm = norm;
            td.empty = lastFreq;
            td.dconv = (dconvMode & 2) != 0;
            td.last = index == 0;
            td.context = cfg.integer("context");
            tdec.add(0, td);

            chin = chout;
            chinZ = choutZ;
            chout = (int) (growth * chout);
            choutZ = (int) (growth * choutZ);
            if (freqs <= kernelSize) {
                freqs = 1;
            } else {
                freqs /= stride;
            }
            if (index == 0 && cfg.flag("freq_emb")) {
                freqEmbRows = freqs;
                freqEmbDim = chinZ;
            }
        }
    }

    // ------------------------------------------------------------------ forward

    private void forward() {
        plan();
        int nfft = cfg.integer("nfft");
        int hop = nfft / 4;
        int length = segmentSamples;
        int frames = (length + hop - 1) / hop;
        int fq = nfft / 2;
        Value mix = g.input("input", 1, audioChannels, length);
        Value spec = g.input("spectrogram", 1, 2L * audioChannels, fq, frames);

        // freq branch normalisation: mean / unbiased std over (C, F, T)
        Value mean = twoLevel(spec, true);
        Value xc = g.sub(spec, mean);
        Value std = unbiasedStd(xc, spec.numel());
        Value x = g.div(xc, g.add(std, g.scalar(1e-5f)));
        // time branch normalisation
        Value meant = twoLevel(mix, true);
        Value xtc = g.sub(mix, meant);
        Value stdt = unbiasedStd(xtc, mix.numel());
        Value xt = g.div(xtc, g.add(stdt, g.scalar(1e-5f)));

        int depth = enc.size();
        List<Value> saved = new ArrayList<>();
        List<Value> savedT = new ArrayList<>();
        List<Long> lengthsT = new ArrayList<>();
        for (int idx = 0; idx < depth; idx++) {
            Value inject = null;
            Layer te = tenc.get(idx);
            lengthsT.add(xt.dim(-1));
            xt = encoder("tencoder." + idx, te, xt, null);
            if (!te.empty) {
                savedT.add(xt);
            } else {
                inject = xt;
            }
            x = encoder("encoder." + idx, enc.get(idx), x, inject);
            if (idx == 0 && freqEmbRows > 0) {
                x = freqEmbedding(x);
            }
            saved.add(x);
        }

        int tLayers = cfg.integer("t_layers");
        int bottom = cfg.integer("bottom_channels");
        // upstream: transformer_channels = channels * growth ** (depth - 1)
        int branchChannels = (int) (cfg.integer("channels") * Math.pow(cfg.number("growth"), depth - 1));
        int transformerChannels = branchChannels;
        if (bottom > 0) {
            transformerChannels = bottom;
        }
        if (tLayers > 0) {
            if (bottom > 0) {
                x = conv1x1Over(x, "channel_upsampler", bottom);
                xt = conv1x1Over(xt, "channel_upsampler_t", bottom);
            }
            Value[] out = new CrossTransformer(transformerChannels).forward(x, xt);
            x = out[0];
            xt = out[1];
            if (bottom > 0) {
                x = conv1x1Over(x, "channel_downsampler", branchChannels);
                xt = conv1x1Over(xt, "channel_downsampler_t", branchChannels);
            }
        } else if (bottom > 0) {
            // upstream creates the channel samplers even without a transformer, but never calls them
            for (String k : List.of("channel_upsampler", "channel_downsampler", "channel_upsampler_t", "channel_downsampler_t")) {
                long cin = k.contains("up") ? branchChannels : bottom;
                long cout = k.contains("up") ? bottom : branchChannels;
                state.take(k + ".weight", cout, cin, 1);
                state.take(k + ".bias", cout);
            }
        }

        int offset = depth - tdec.size();
        for (int idx = 0; idx < depth; idx++) {
            Value skip = saved.remove(saved.size() - 1);
            Value[] zy = decoder("decoder." + idx, dec.get(idx), x, skip, 0);
            x = zy[0];
            Value pre = zy[1];
            if (idx >= offset) {
                Layer td = tdec.get(idx - offset);
                long lengthT = lengthsT.remove(lengthsT.size() - 1);
                if (td.empty) {
                    if (pre.dim(2) != 1) {
                        throw new IllegalStateException("merged layer with " + pre.dim(2) + " frequencies");
                    }
                    Value p3 = g.reshape(pre, pre.dim(0), pre.dim(1), pre.dim(3));
                    xt = decoder("tdecoder." + (idx - offset), td, p3, null, lengthT)[0];
                } else {
                    Value skipT = savedT.remove(savedT.size() - 1);
                    xt = decoder("tdecoder." + (idx - offset), td, xt, skipT, lengthT)[0];
                }
            }
        }

        int s = sourceCount;
        Value xf = g.reshape(x, 1, s, x.dim(1) / s, fq, frames);
        Value freqOut = g.add(g.mul(xf, g.reshape(std, 1, 1, 1, 1, 1)), g.reshape(mean, 1, 1, 1, 1, 1));
        Value xt4 = g.reshape(xt, 1, s, xt.dim(1) / s, length);
        Value timeOut = g.add(g.mul(xt4, g.reshape(stdt, 1, 1, 1, 1)), g.reshape(meant, 1, 1, 1, 1));
        if (freqOut.dim(2) != 2L * audioChannels || timeOut.dim(2) != audioChannels) {
            throw new InvalidModelException(cfg.file() + ": decoder output channels do not match " + s + " sources × " + audioChannels + " channels");
        }
        g.output(freqOut, "output");
        g.output(timeOut, "time_output");
    }

    private Value unbiasedStd(Value centred, long n) {
        Value ss = twoLevel(g.mul(centred, centred), false);
        return g.sqrt(g.div(ss, g.scalar((float) (n - 1))));
    }

    /**
     * Sum (or mean) over all axes but the batch, as a sum over the last axis followed by a sum of
     * those partial results: millions of float32 terms summed in two levels keep torch's accuracy
     * (its reductions are pairwise) instead of drifting with one long accumulation.
     */
    private Value twoLevel(Value x, boolean mean) {
        Value rows = g.sumTail(x, x.rank() - 1);
        Value total = g.sumTail(rows, 1);
        return mean ? g.div(total, g.scalar((float) (x.numel() / x.dim(0)))) : total;
    }

    /** 1x1 Conv1d over the flattened (f t) positions of a 4-D tensor, or over a 3-D one. */
    private Value conv1x1Over(Value x, String key, long cout) {
        Value w = weight(key + ".weight", cout, x.dim(1), 1);
        Value b = weight(key + ".bias", cout);
        if (x.rank() == 4) {
            Value flat = g.reshape(x, 1, x.dim(1), x.dim(2) * x.dim(3));
            Value y = g.conv(flat, w, b, new long[]{1}, new long[]{0, 0}, new long[]{1});
            return g.reshape(y, 1, cout, x.dim(2), x.dim(3));
        }
        return g.conv(x, w, b, new long[]{1}, new long[]{0, 0}, new long[]{1});
    }

    private Value weight(String key, long... shape) {
        Tensor t = state.take(key, shape);
        return g.weight(key, t.data(), shape);
    }

    private Value freqEmbedding(Value x) {
        Tensor w = state.take("freq_emb.embedding.weight", freqEmbRows, freqEmbDim);
        if (x.dim(2) != freqEmbRows || x.dim(1) != freqEmbDim) {
            throw new InvalidModelException(cfg.file() + ": freq_emb shape does not match the first layer's output " + x);
        }
        float scale = (float) cfg.number("emb_scale");
        float weightScale = (float) cfg.number("freq_emb");
        float[] data = w.data();
        // emb = embedding.weight * scale, transposed to [C, Fr], times freq_emb
        float[] c = new float[freqEmbDim * freqEmbRows];
        for (int f = 0; f < freqEmbRows; f++) {
            for (int ch = 0; ch < freqEmbDim; ch++) {
                float e = data[f * freqEmbDim + ch] * scale;
                c[ch * freqEmbRows + f] = weightScale * e;
            }
        }
        g.countParameters(data.length);
        Value emb = g.constant("freq_emb", c, 1, freqEmbDim, freqEmbRows, 1);
        return g.add(x, emb);
    }

    // ------------------------------------------------------------------ layers

    private Value encoder(String p, Layer l, Value x, Value inject) {
        int k = l.kernel;
        long padAmount = l.pad ? k / 4 : 0;
        Value y;
        if (l.freq) {
            Value w = weight(p + ".conv.weight", l.chout, l.chin, k, 1);
            Value b = weight(p + ".conv.bias", l.chout);
            y = g.conv(x, w, b, new long[]{l.stride, 1}, new long[]{padAmount, 0, padAmount, 0}, new long[]{1, 1});
        } else {
            long le = x.dim(-1);
            long extra = le % l.stride == 0 ? 0 : l.stride - le % l.stride;
            Value w = weight(p + ".conv.weight", l.chout, l.chin, k);
            Value b = weight(p + ".conv.bias", l.chout);
            y = g.conv(x, w, b, new long[]{l.stride}, new long[]{padAmount, padAmount + extra}, new long[]{1});
        }
        if (l.empty) {
            return y;
        }
        if (inject != null) {
            if (inject.dim(-1) != y.dim(-1)) {
                throw new InvalidModelException(cfg.file() + ": time and frequency branches do not align at " + p + " (" + inject + " vs " + y + ")");
            }
            if (inject.rank() == 3 && y.rank() == 4) {
                inject = g.reshape(inject, inject.dim(0), inject.dim(1), 1, inject.dim(2));
            }
            y = g.add(y, inject);
        }
        y = g.gelu(norm(p + ".norm1", l.norm, y, l.chout));
        if (l.dconv) {
            y = dconvAny(p + ".dconv", y, l.chout, l.freq);
        }
        if (cfg.flag("rewrite")) {
            int kr = 1 + 2 * l.context;
            Value z;
            if (l.freq) {
                Value w = weight(p + ".rewrite.weight", 2L * l.chout, l.chout, kr, kr);
                Value b = weight(p + ".rewrite.bias", 2L * l.chout);
                z = g.conv(y, w, b, new long[]{1, 1}, new long[]{l.context, l.context, l.context, l.context}, new long[]{1, 1});
            } else {
                Value w = weight(p + ".rewrite.weight", 2L * l.chout, l.chout, kr);
                Value b = weight(p + ".rewrite.bias", 2L * l.chout);
                z = g.conv(y, w, b, new long[]{1}, new long[]{l.context, l.context}, new long[]{1});
            }
            z = norm(p + ".norm2", l.norm, z, 2 * l.chout);
            return glu(z);
        }
        return y;
    }

    /** Returns {z, y}: the layer output and the value before the transposed convolution. */
    private Value[] decoder(String p, Layer l, Value x, Value skip, long length) {
        Value y;
        if (!l.empty) {
            x = g.add(x, skip);
            if (cfg.flag("rewrite")) {
                int kr = 1 + 2 * l.context;
                Value r;
                if (l.freq) {
                    Value w = weight(p + ".rewrite.weight", 2L * l.chin, l.chin, kr, kr);
                    Value b = weight(p + ".rewrite.bias", 2L * l.chin);
                    r = g.conv(x, w, b, new long[]{1, 1}, new long[]{l.context, l.context, l.context, l.context}, new long[]{1, 1});
                } else {
                    Value w = weight(p + ".rewrite.weight", 2L * l.chin, l.chin, kr);
                    Value b = weight(p + ".rewrite.bias", 2L * l.chin);
                    r = g.conv(x, w, b, new long[]{1}, new long[]{l.context, l.context}, new long[]{1});
                }
                y = glu(norm(p + ".norm1", l.norm, r, 2 * l.chin));
            } else {
                y = x;
            }
            if (l.dconv) {
                y = dconvAny(p + ".dconv", y, l.chin, l.freq);
            }
        } else {
            y = x;
        }
        Value z;
        long padAmount = l.pad ? l.kernel / 4 : 0;
        if (l.freq) {
            Value w = weight(p + ".conv_tr.weight", l.chin, l.chout, l.kernel, 1);
            Value b = weight(p + ".conv_tr.bias", l.chout);
            z = g.convTranspose(y, w, b, new long[]{l.stride, 1});
            z = norm(p + ".norm2", l.norm, z, l.chout);
            if (padAmount > 0) {
                z = g.slice(z, 2, padAmount, z.dim(2) - padAmount);
            }
        } else {
            Value w = weight(p + ".conv_tr.weight", l.chin, l.chout, l.kernel);
            Value b = weight(p + ".conv_tr.bias", l.chout);
            z = g.convTranspose(y, w, b, new long[]{l.stride});
            z = norm(p + ".norm2", l.norm, z, l.chout);
            if (padAmount + length > z.dim(-1)) {
                throw new InvalidModelException(cfg.file() + ": " + p + " cannot restore length " + length);
            }
            z = g.slice(z, -1, padAmount, padAmount + length);
        }
        if (!l.last) {
            z = g.gelu(z);
        }
        return new Value[]{z, y};
    }

    private Value glu(Value z) {
        long c = z.dim(1) / 2;
        Value a = g.slice(z, 1, 0, c);
        Value b = g.slice(z, 1, c, 2 * c);
        return g.mul(a, g.sigmoid(b));
    }

    /** GroupNorm(norm_groups) when {@code enabled}, else identity. */
    private Value norm(String p, boolean enabled, Value x, int channels) {
        if (!enabled) {
            return x;
        }
        return groupNorm(p, x, cfg.integer("norm_groups"), channels, 1e-5f);
    }

    /** torch.nn.GroupNorm on [B, C, *rest] with the affine weights at {@code p}. */
    private Value groupNorm(String p, Value x, int groups, long channels, float eps) {
        if (channels % groups != 0 || x.dim(1) != channels) {
            throw new InvalidModelException(cfg.file() + ": GroupNorm " + p + " with " + groups + " groups over " + channels + " channels");
        }
        long[] shape = x.shape();
        long rest = x.numel() / shape[0] / channels;
        Value r = g.reshape(x, shape[0], groups, channels / groups * rest);
        Value m = g.meanTail(r, 2);
        Value d = g.sub(r, m);
        Value var = g.meanTail(g.mul(d, d), 2);
        Value n = g.div(d, g.sqrt(g.add(var, g.scalar(eps))));
        n = g.reshape(n, shape);
        long[] affine = new long[shape.length - 1];
        java.util.Arrays.fill(affine, 1);
        affine[0] = channels;
        Value gamma = g.reshape(weight(p + ".weight", channels), affine);
        Value beta = g.reshape(weight(p + ".bias", channels), affine);
        return g.add(g.mul(n, gamma), beta);
    }

    private Value dconvAny(String p, Value y, int channels, boolean freq) {
        if (!freq) {
            return dconv(p, y, channels);
        }
        long b = y.dim(0);
        long c = y.dim(1);
        long fr = y.dim(2);
        long t = y.dim(3);
        Value r = g.reshape(g.transpose(y, 0, 2, 1, 3), b * fr, c, t);
        r = dconv(p, r, channels);
        return g.transpose(g.reshape(r, b, fr, c, t), 0, 2, 1, 3);
    }

    /** demucs.demucs.DConv on [B, C, T] (norm and GELU on, no attention or LSTM, as HTDemucs builds it). */
    private Value dconv(String p, Value x, int channels) {
        int depthSigned = cfg.integer("dconv_depth");
        int depth = Math.abs(depthSigned);
        boolean dilate = depthSigned > 0;
        int hidden = (int) (channels / cfg.number("dconv_comp"));
        for (int d = 0; d < depth; d++) {
            String q = p + ".layers." + d;
            long dilation = dilate ? 1L << d : 1;
            long padding = dilation;
            Value w0 = weight(q + ".0.weight", hidden, channels, 3);
            Value b0 = weight(q + ".0.bias", hidden);
            Value y = g.conv(x, w0, b0, new long[]{1}, new long[]{padding, padding}, new long[]{dilation});
            y = g.gelu(groupNorm(q + ".1", y, 1, hidden, 1e-5f));
            Value w3 = weight(q + ".3.weight", 2L * channels, hidden, 1);
            Value b3 = weight(q + ".3.bias", 2L * channels);
            y = g.conv(y, w3, b3, new long[]{1}, new long[]{0, 0}, new long[]{1});
            y = glu(groupNorm(q + ".4", y, 1, 2L * channels, 1e-5f));
            Value scale = g.reshape(weight(q + ".6.scale", channels), channels, 1);
            x = g.add(x, g.mul(y, scale));
        }
        return x;
    }

    // ------------------------------------------------------------------ transformer

    /** demucs.transformer.CrossTransformerEncoder (tokens as [B, N, C]). */
    private final class CrossTransformer {
        private final int dim;
        private final int heads;
        private final int hidden;
        private final boolean normFirst;
        private final int groupNorm;
        private final int normOut;
        private final boolean layerScale;
        private final boolean gelu;
        private final int classicParity;
        private final float maxPeriod;
        private final float weightPos;

        CrossTransformer(int dim) {
            this.dim = dim;
            this.heads = cfg.integer("t_heads");
            if (dim % heads != 0) {
                throw new InvalidModelException(cfg.file() + ": transformer width " + dim + " is not divisible by t_heads=" + heads);
            }
            this.hidden = (int) (dim * cfg.number("t_hidden_scale"));
            this.normFirst = cfg.flag("t_norm_first");
            this.groupNorm = cfg.integer("t_group_norm");
            this.normOut = cfg.integer("t_norm_out");
            this.layerScale = cfg.flag("t_layer_scale");
            this.gelu = cfg.flag("t_gelu");
            this.classicParity = cfg.flag("t_cross_first") ? 1 : 0;
            this.maxPeriod = (float) cfg.number("t_max_period");
            this.weightPos = (float) cfg.number("t_weight_pos_embed");
        }

        Value[] forward(Value x4, Value xt3) {
            String p = "crosstransformer";
            long c = x4.dim(1);
            long fr = x4.dim(2);
            long t1 = x4.dim(3);
            if (c != dim || xt3.dim(1) != dim) {
                throw new InvalidModelException(cfg.file() + ": transformer input channels " + c + "/" + xt3.dim(1) + " differ from " + dim);
            }
            // "b c fr t1 -> b (t1 fr) c"
            Value x = g.reshape(g.transpose(x4, 0, 3, 2, 1), 1, t1 * fr, c);
            x = normIn(p + ".norm_in", x);
            x = g.add(x, g.constant("pos_emb_2d", scaled(sin2d((int) c, (int) fr, (int) t1, maxPeriod)), t1 * fr, c));
            long t2 = xt3.dim(2);
            Value xt = g.transpose(xt3, 0, 2, 1);
            xt = normIn(p + ".norm_in_t", xt);
            xt = g.add(xt, g.constant("pos_emb_1d", scaled(embedding1d((int) t2, (int) c)), t2, c));

            int layers = cfg.integer("t_layers");
            for (int idx = 0; idx < layers; idx++) {
                if (idx % 2 == classicParity) {
                    x = classic(p + ".layers." + idx, x);
                    xt = classic(p + ".layers_t." + idx, xt);
                } else {
                    Value old = x;
                    x = cross(p + ".layers." + idx, x, xt);
                    xt = cross(p + ".layers_t." + idx, xt, old);
                }
            }
            // "b (t1 fr) c -> b c fr t1"
            Value xo = g.transpose(g.reshape(x, 1, t1, fr, c), 0, 3, 2, 1);
            Value xto = g.transpose(xt, 0, 2, 1);
            return new Value[]{xo, xto};
        }

        private float[] scaled(float[] emb) {
            if (weightPos != 1f) {
                for (int i = 0; i < emb.length; i++) {
                    emb[i] = weightPos * emb[i];
                }
            }
            return emb;
        }

        private Value normIn(String p, Value x) {
            if (cfg.flag("t_norm_in")) {
                return g.layerNorm(x, weight(p + ".weight", dim), weight(p + ".bias", dim), 1e-5f);
            }
            if (cfg.flag("t_norm_in_group")) {
                return tokenGroupNorm(p, x, cfg.integer("t_norm_in_group"));
            }
            return x;
        }

        /** MyGroupNorm on tokens [B, N, C]: GroupNorm over (C, N). */
        private Value tokenGroupNorm(String p, Value x, int groups) {
            Value y = groupNorm(p, g.transpose(x, 0, 2, 1), groups, dim, 1e-5f);
            return g.transpose(y, 0, 2, 1);
        }

        private Value layerNormOrGroup(String p, Value x) {
            if (groupNorm > 0) {
                return tokenGroupNorm(p, x, groupNorm);
            }
            return g.layerNorm(x, weight(p + ".weight", dim), weight(p + ".bias", dim), 1e-5f);
        }

        private Value gamma(String p, Value x) {
            if (!layerScale) {
                return x;
            }
            return g.mul(x, weight(p + ".scale", dim));
        }

        private Value classic(String p, Value x) {
            if (normFirst) {
                Value h = layerNormOrGroup(p + ".norm1", x);
                x = g.add(x, gamma(p + ".gamma_1", attention(p + ".self_attn", h, h)));
                x = g.add(x, gamma(p + ".gamma_2", feedForward(p, layerNormOrGroup(p + ".norm2", x))));
                if (normOut > 0) {
                    x = tokenGroupNorm(p + ".norm_out", x, normOut);
                }
            } else {
                x = layerNormOrGroup(p + ".norm1", g.add(x, gamma(p + ".gamma_1", attention(p + ".self_attn", x, x))));
                x = layerNormOrGroup(p + ".norm2", g.add(x, gamma(p + ".gamma_2", feedForward(p, x))));
            }
            return x;
        }

        private Value cross(String p, Value q, Value k) {
            Value x;
            if (normFirst) {
                Value qn = layerNormOrGroup(p + ".norm1", q);
                Value kn = layerNormOrGroup(p + ".norm2", k);
                x = g.add(q, gamma(p + ".gamma_1", attention(p + ".cross_attn", qn, kn)));
                x = g.add(x, gamma(p + ".gamma_2", feedForward(p, layerNormOrGroup(p + ".norm3", x))));
                if (normOut > 0) {
                    x = tokenGroupNorm(p + ".norm_out", x, normOut);
                }
            } else {
                x = layerNormOrGroup(p + ".norm1", g.add(q, gamma(p + ".gamma_1", attention(p + ".cross_attn", q, k))));
                x = layerNormOrGroup(p + ".norm2", g.add(x, gamma(p + ".gamma_2", feedForward(p, x))));
                // upstream builds norm3 for every cross layer but only the pre-norm path calls it
                state.take(p + ".norm3.weight", dim);
                state.take(p + ".norm3.bias", dim);
            }
            return x;
        }

        private Value linear(String p, Value x, long out, long in) {
            Tensor w = state.take(p + ".weight", out, in);
            Value wt = g.weight(p + ".weight_t", transpose2d(w.data(), (int) out, (int) in), in, out);
            Value b = weight(p + ".bias", out);
            return g.add(g.matmul(x, wt), b);
        }

        private Value feedForward(String p, Value x) {
            Value h = linear(p + ".linear1", x, hidden, dim);
            h = gelu ? g.gelu(h) : g.relu(h);
            return linear(p + ".linear2", h, dim, hidden);
        }

        /** torch.nn.MultiheadAttention (batch first, no mask) of queries q [B, N, C] over keys/values k [B, M, C]. */
        private Value attention(String p, Value q, Value k) {
            Tensor inW = state.take(p + ".in_proj_weight", 3L * dim, dim);
            Tensor inB = state.take(p + ".in_proj_bias", 3L * dim);
            int headDim = dim / heads;
            long n = q.dim(1);
            long m = k.dim(1);
            Value[] proj = new Value[3];
            String[] names = {"q", "k", "v"};
            for (int i = 0; i < 3; i++) {
                float[] w = new float[dim * dim];
                System.arraycopy(inW.data(), i * dim * dim, w, 0, dim * dim);
                float[] b = new float[dim];
                System.arraycopy(inB.data(), i * dim, b, 0, dim);
                Value wt = g.weight(p + ".in_proj_" + names[i] + "_t", transpose2d(w, dim, dim), dim, dim);
                Value bv = g.weight(p + ".in_proj_" + names[i] + "_bias", b, dim);
                proj[i] = g.add(g.matmul(i == 0 ? q : k, wt), bv);
            }
            Value qh = g.transpose(g.reshape(proj[0], 1, n, heads, headDim), 0, 2, 1, 3);    // [B, H, N, D]
            qh = g.div(qh, g.scalar((float) Math.sqrt(headDim)));
            Value kh = g.transpose(g.reshape(proj[1], 1, m, heads, headDim), 0, 2, 3, 1);    // [B, H, D, M]
            Value vh = g.transpose(g.reshape(proj[2], 1, m, heads, headDim), 0, 2, 1, 3);    // [B, H, M, D]
            Value att = g.softmax(g.matmul(qh, kh));                                         // [B, H, N, M]
            Value o = g.matmul(att, vh);                                                     // [B, H, N, D]
            o = g.reshape(g.transpose(o, 0, 2, 1, 3), 1, n, dim);
            return linear(p + ".out_proj", o, dim, dim);
        }

        /** The time-branch positional embedding [T, C] for t_emb sin / cape (eval) / scaled. */
        private float[] embedding1d(int length, int channels) {
            String emb = cfg.string("t_emb");
            if (emb.equals("scaled")) {
                int maxPositions = cfg.integer("t_max_positions");
                Tensor w = state.take("crosstransformer.position_embeddings.embedding.weight", maxPositions, channels);
                if (length > maxPositions) {
                    throw new InvalidModelException(cfg.file() + ": t_max_positions=" + maxPositions + " is shorter than the " + length + " time steps of a segment");
                }
                g.countParameters(w.size());
                float[] out = new float[length * channels];
                for (int i = 0; i < out.length; i++) {
                    out[i] = w.data()[i] * 3.0f;
                }
                return out;
            }
            float[] pos = new float[length];
            for (int i = 0; i < length; i++) {
                pos[i] = i;
            }
            if (emb.equals("cape") && cfg.flag("t_cape_mean_normalize")) {
                float sum = 0;
                for (float v : pos) {
                    sum += v;
                }
                float meanPos = sum / length;
                for (int i = 0; i < length; i++) {
                    pos[i] = pos[i] - meanPos;
                }
            }
            return sin1d(pos, channels, maxPeriod);
        }
    }

    /** create_sin_embedding as float32 arithmetic: [T, C] = cat(cos(phase), sin(phase)). */
    static float[] sin1d(float[] pos, int channels, float maxPeriod) {
        int half = channels / 2;
        float[] denom = new float[half];
        for (int a = 0; a < half; a++) {
            float e = (float) a / (float) (half - 1);
            denom[a] = (float) Math.pow(maxPeriod, e);
        }
        float[] out = new float[pos.length * channels];
        for (int t = 0; t < pos.length; t++) {
            for (int a = 0; a < half; a++) {
                float phase = pos[t] / denom[a];
                out[t * channels + a] = (float) Math.cos(phase);
                out[t * channels + half + a] = (float) Math.sin(phase);
            }
        }
        return out;
    }

    /** create_2d_sin_embedding as float32 arithmetic, laid out as tokens [(t1 fr), C]. */
    static float[] sin2d(int channels, int height, int width, float maxPeriod) {
        if (channels % 4 != 0) {
            throw new IllegalArgumentException("2-D sin embedding needs channels divisible by 4, got " + channels);
        }
        int dm = channels / 2;
        float logPeriod = (float) Math.log(maxPeriod);
        float factor = -(logPeriod / dm);
        int terms = (dm + 1) / 2;
        float[] div = new float[terms];
        for (int i = 0; i < terms; i++) {
            div[i] = (float) Math.exp((float) (2 * i) * factor);
        }
        float[] pe = new float[channels * height * width]; // [C][H][W]
        for (int i = 0; i < terms; i++) {
            for (int h = 0; h < height; h++) {
                float ph = (float) h * div[i];
                float sh = (float) Math.sin(ph);
                float chh = (float) Math.cos(ph);
                for (int w = 0; w < width; w++) {
                    float pw = (float) w * div[i];
                    pe[((2 * i) * height + h) * width + w] = (float) Math.sin(pw);
                    if (2 * i + 1 < dm) {
                        pe[((2 * i + 1) * height + h) * width + w] = (float) Math.cos(pw);
                    }
                    pe[((dm + 2 * i) * height + h) * width + w] = sh;
                    if (dm + 2 * i + 1 < channels) {
                        pe[((dm + 2 * i + 1) * height + h) * width + w] = chh;
                    }
                }
            }
        }
        float[] tokens = new float[pe.length];
        for (int w = 0; w < width; w++) {
            for (int h = 0; h < height; h++) {
                int tok = w * height + h;
                for (int c = 0; c < channels; c++) {
                    tokens[tok * channels + c] = pe[(c * height + h) * width + w];
                }
            }
        }
        return tokens;
    }

    private static float[] transpose2d(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
