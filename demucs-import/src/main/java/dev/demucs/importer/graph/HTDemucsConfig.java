package dev.demucs.importer.graph;

import dev.demucs.core.InvalidModelException;
import dev.demucs.importer.torch.Fraction;
import dev.demucs.importer.torch.PyTuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The constructor arguments of upstream's {@code demucs.htdemucs.HTDemucs}, with upstream's defaults,
 * as stored in a checkpoint package ({@code args}, {@code kwargs}). Options the ONNX form cannot
 * reproduce are rejected by {@link #validate()} with a message naming the option.
 */
public final class HTDemucsConfig {

    /** Parameter names in upstream's signature order (positional args map onto these). */
    private static final List<String> ORDER = List.of(
            "sources", "audio_channels", "channels", "channels_time", "growth", "nfft", "wiener_iters", "end_iters",
            "wiener_residual", "cac", "depth", "rewrite", "multi_freqs", "multi_freqs_depth", "freq_emb", "emb_scale",
            "emb_smooth", "kernel_size", "time_stride", "stride", "context", "context_enc", "norm_starts", "norm_groups",
            "dconv_mode", "dconv_depth", "dconv_comp", "dconv_init", "bottom_channels", "t_layers", "t_emb",
            "t_hidden_scale", "t_heads", "t_dropout", "t_max_positions", "t_norm_in", "t_norm_in_group", "t_group_norm",
            "t_norm_first", "t_norm_out", "t_max_period", "t_weight_decay", "t_lr", "t_layer_scale", "t_gelu",
            "t_weight_pos_embed", "t_sin_random_shift", "t_cape_mean_normalize", "t_cape_augment",
            "t_cape_glob_loc_scale", "t_sparse_self_attn", "t_sparse_cross_attn", "t_mask_type", "t_mask_random_seed",
            "t_sparse_attn_window", "t_global_window", "t_sparsity", "t_auto_sparsity", "t_cross_first", "rescale",
            "samplerate", "segment", "use_train_segment");

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("sources", null);
        d.put("audio_channels", 2L);
        d.put("channels", 48L);
        d.put("channels_time", null);
        d.put("growth", 2L);
        d.put("nfft", 4096L);
        d.put("wiener_iters", 0L);
        d.put("end_iters", 0L);
        d.put("wiener_residual", false);
        d.put("cac", true);
        d.put("depth", 4L);
        d.put("rewrite", true);
        d.put("multi_freqs", null);
        d.put("multi_freqs_depth", 3L);
        d.put("freq_emb", 0.2);
        d.put("emb_scale", 10L);
        d.put("emb_smooth", true);
        d.put("kernel_size", 8L);
        d.put("time_stride", 2L);
        d.put("stride", 4L);
        d.put("context", 1L);
        d.put("context_enc", 0L);
        d.put("norm_starts", 4L);
        d.put("norm_groups", 4L);
        d.put("dconv_mode", 1L);
        d.put("dconv_depth", 2L);
        d.put("dconv_comp", 8L);
        d.put("dconv_init", 1e-3);
        d.put("bottom_channels", 0L);
        d.put("t_layers", 5L);
        d.put("t_emb", "sin");
        d.put("t_hidden_scale", 4.0);
        d.put("t_heads", 8L);
        d.put("t_dropout", 0.0);
        d.put("t_max_positions", 10000L);
        d.put("t_norm_in", true);
        d.put("t_norm_in_group", false);
        d.put("t_group_norm", false);
        d.put("t_norm_first", true);
        d.put("t_norm_out", true);
        d.put("t_max_period", 10000.0);
        d.put("t_weight_decay", 0.0);
        d.put("t_lr", null);
        d.put("t_layer_scale", true);
        d.put("t_gelu", true);
        d.put("t_weight_pos_embed", 1.0);
        d.put("t_sin_random_shift", 0L);
        d.put("t_cape_mean_normalize", true);
        d.put("t_cape_augment", true);
        d.put("t_cape_glob_loc_scale", List.of(5000.0, 1.0, 1.4));
        d.put("t_sparse_self_attn", false);
        d.put("t_sparse_cross_attn", false);
        d.put("t_mask_type", "diag");
        d.put("t_mask_random_seed", 42L);
        d.put("t_sparse_attn_window", 500L);
        d.put("t_global_window", 100L);
        d.put("t_sparsity", 0.95);
        d.put("t_auto_sparsity", false);
        d.put("t_cross_first", false);
        d.put("rescale", 0.1);
        d.put("samplerate", 44100L);
        d.put("segment", 10L);
        d.put("use_train_segment", true);
        return d;
    }

    private final Map<String, Object> values;
    private final String file;

    private HTDemucsConfig(Map<String, Object> values, String file) {
        this.values = values;
        this.file = file;
    }

    /**
     * Resolves the constructor arguments against upstream's defaults.
     *
     * @throws InvalidModelException for an unknown argument or missing {@code sources}
     */
    public static HTDemucsConfig of(PyTuple args, Map<?, ?> kwargs, String file) {
        Map<String, Object> v = defaults();
        if (args != null) {
            if (args.size() > ORDER.size()) {
                throw new InvalidModelException(file + ": HTDemucs given " + args.size() + " positional arguments");
            }
            for (int i = 0; i < args.size(); i++) {
                v.put(ORDER.get(i), args.get(i));
            }
        }
        if (kwargs != null) {
            for (Map.Entry<?, ?> e : kwargs.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (!ORDER.contains(k)) {
                    throw new InvalidModelException(file + ": unknown HTDemucs option '" + k + "' = " + e.getValue());
                }
                v.put(k, e.getValue());
            }
        }
        if (!(v.get("sources") instanceof List) || ((List<?>) v.get("sources")).isEmpty()) {
            throw new InvalidModelException(file + ": HTDemucs kwargs lack the list of sources");
        }
        return new HTDemucsConfig(v, file);
    }

    /** The resolved value of an option (Java form of the Python value). */
    public Object raw(String name) {
        return values.get(name);
    }

    /** All resolved options in signature order. */
    public Map<String, Object> all() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** The file the options came from (for messages). */
    public String file() {
        return file;
    }

    /** An integer option (Python bool counts as 0/1, as {@code int(...)} does). */
    public int integer(String name) {
        Object o = values.get(name);
        if (o instanceof Boolean) {
            return (Boolean) o ? 1 : 0;
        }
        if (o instanceof Number) {
            double d = ((Number) o).doubleValue();
            if (d != Math.rint(d)) {
                throw bad(name, "an integer");
            }
            return (int) d;
        }
        throw bad(name, "an integer");
    }

    /** A number option. */
    public double number(String name) {
        Object o = values.get(name);
        if (o instanceof Boolean) {
            return (Boolean) o ? 1 : 0;
        }
        if (o instanceof Number) {
            return ((Number) o).doubleValue();
        }
        if (o instanceof Fraction) {
            return ((Fraction) o).doubleValue();
        }
        throw bad(name, "a number");
    }

    /** Python truthiness of an option. */
    public boolean flag(String name) {
        Object o = values.get(name);
        if (o == null) {
            return false;
        }
        if (o instanceof Boolean) {
            return (Boolean) o;
        }
        if (o instanceof Number) {
            return ((Number) o).doubleValue() != 0;
        }
        if (o instanceof String) {
            return !((String) o).isEmpty();
        }
        if (o instanceof List) {
            return !((List<?>) o).isEmpty();
        }
        if (o instanceof Map) {
            return !((Map<?, ?>) o).isEmpty();
        }
        return true;
    }

    /** A string option. */
    public String string(String name) {
        Object o = values.get(name);
        if (o instanceof String) {
            return (String) o;
        }
        throw bad(name, "a string");
    }

    private InvalidModelException bad(String name, String what) {
        return new InvalidModelException(file + ": HTDemucs option " + name + "=" + values.get(name) + " is not " + what);
    }

    /** Stem names in output order. */
    public List<String> sources() {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) values.get("sources")) {
            out.add(String.valueOf(o));
        }
        return out;
    }

    /** Sample rate in Hz. */
    public int sampleRate() {
        return integer("samplerate");
    }

    /** {@code int(segment * samplerate)}, the samples per model run, as upstream computes it. */
    public int segmentSamples() {
        Object seg = values.get("segment");
        long sr = sampleRate();
        long n;
        if (seg instanceof Fraction) {
            n = ((Fraction) seg).timesTruncated(sr);
        } else if (seg instanceof Long) {
            n = (Long) seg * sr;
        } else if (seg instanceof Number) {
            n = (long) (((Number) seg).doubleValue() * sr);
        } else {
            throw bad("segment", "a number or Fraction");
        }
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw bad("segment", "a positive duration");
        }
        return (int) n;
    }

    /**
     * Rejects options the two-input ONNX form cannot reproduce exactly.
     *
     * @throws InvalidModelException naming the unsupported option
     */
    public void validate() {
        if (!flag("cac")) {
            throw unsupported("cac=False (magnitude spectrogram with masking)");
        }
        if (integer("wiener_iters") != 0) {
            throw unsupported("wiener_iters=" + integer("wiener_iters") + " (Wiener filtering)");
        }
        if (flag("multi_freqs")) {
            throw unsupported("multi_freqs=" + values.get("multi_freqs") + " (MultiWrap frequency bands)");
        }
        if (flag("t_sparse_self_attn") || flag("t_sparse_cross_attn")) {
            throw unsupported("sparse attention (t_sparse_self_attn/t_sparse_cross_attn)");
        }
        String emb = string("t_emb");
        if (!emb.equals("sin") && !emb.equals("cape") && !emb.equals("scaled")) {
            throw unsupported("t_emb=" + emb);
        }
        if (emb.equals("sin") && integer("t_sin_random_shift") != 0 && integer("t_layers") > 0) {
            throw unsupported("t_sin_random_shift=" + integer("t_sin_random_shift") + " (random positional shift at inference)");
        }
        if (integer("nfft") % 4 != 0 || integer("nfft") < 8) {
            throw unsupported("nfft=" + integer("nfft"));
        }
        if (integer("depth") < 1) {
            throw unsupported("depth=" + integer("depth"));
        }
        int mode = integer("dconv_mode");
        if (mode < 0 || mode > 3) {
            throw unsupported("dconv_mode=" + mode);
        }
        sampleRate();
        segmentSamples();
    }

    private InvalidModelException unsupported(String what) {
        return new InvalidModelException(file + ": unsupported HTDemucs option " + what);
    }
}
