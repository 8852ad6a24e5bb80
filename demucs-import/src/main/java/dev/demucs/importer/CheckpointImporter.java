package dev.demucs.importer;

import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.importer.graph.HTDemucsConfig;
import dev.demucs.importer.graph.HTDemucsGraph;
import dev.demucs.importer.graph.OnnxGraph;
import dev.demucs.importer.graph.StateDict;
import dev.demucs.importer.torch.Fraction;
import dev.demucs.importer.torch.PyGlobal;
import dev.demucs.importer.torch.PyTuple;
import dev.demucs.importer.torch.Tensor;
import dev.demucs.importer.torch.TorchCheckpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Converts an official PyTorch Demucs checkpoint (a {@code torch.save}d package of upstream's
 * {@code demucs.htdemucs.HTDemucs}: klass, args, kwargs, state, training_args, metrics) into an ONNX
 * model in the two-input form that {@code dev.demucs.core.Separator} runs. No Python is involved.
 *
 * <pre>{@code
 * ImportReport r = CheckpointImporter.convert(Path.of("955717e8-8726e21a.th"), Path.of("htdemucs.onnx"));
 * try (Separator s = Separator.open(r.onnx(), SeparationOptions.defaults())) { ... }
 * }</pre>
 *
 * <p>The ONNX carries metadata_props {@code sources} (comma-separated), {@code sample_rate},
 * {@code segment_samples}, {@code checkpoint_sha256}, {@code model_class}, {@code kwargs} (JSON of the
 * constructor options), {@code importer}. It is written under a temporary name next to the target and
 * renamed when complete. Converting the 42 M-parameter htdemucs takes about 2–4 s and fits in a
 * 768 MB heap (measured peak resident set 0.5–0.6 GB); the ONNX is about 176 MB (float32 weights).
 *
 * <p>Supported: {@code HTDemucs} of any size (channels, growth, depth up to the merge of the
 * branches, nfft, kernel/stride, context, GroupNorm, DConv modes 0–3, bottom channels, transformer
 * layers/heads/width, pre- or post-norm, group norms, LayerScale, GELU/ReLU, sin/cape/scaled
 * positional embeddings, any number of sources and audio channels). Rejected with an
 * {@link InvalidModelException} naming the reason: other classes (Demucs v2 {@code Demucs}, v3
 * {@code HDemucs}), {@code cac=False}, Wiener filtering, {@code multi_freqs}, sparse attention, a
 * random positional shift at inference, quantized states, and any state-dict tensor that is
 * missing, misshapen or not used.
 */
public final class CheckpointImporter {

    /** Version string written to the ONNX producer field and the {@code importer} metadata. */
    public static final String VERSION = "demucs-import 1";

    private CheckpointImporter() {
    }

    /**
     * Converts one checkpoint. The list form exists for the CLI's {@code models import FILE…}: it
     * accepts exactly one file (a bag is several single conversions plus a bag manifest).
     *
     * @throws IllegalArgumentException when the list does not hold exactly one checkpoint
     */
    public static ImportReport convert(List<Path> checkpoints, Path onnxOut) {
        if (checkpoints == null || checkpoints.size() != 1) {
            throw new IllegalArgumentException("one checkpoint per ONNX file; got " + (checkpoints == null ? 0 : checkpoints.size())
                    + " (convert each member of a bag separately)");
        }
        return convert(checkpoints.get(0), onnxOut);
    }

    /**
     * Converts {@code checkpoint} to {@code onnxOut} (parent directories are created) with a batch
     * of 1: the engine runs one chunk per call.
     *
     * @throws ModelNotFoundException  when the checkpoint does not exist
     * @throws InvalidModelException   when it is not a supported Demucs checkpoint (the message names
     *                                 the file and what is unsupported, missing or unused)
     * @throws UncheckedIOException    when the output cannot be written
     */
    public static ImportReport convert(Path checkpoint, Path onnxOut) {
        return convert(checkpoint, onnxOut, false);
    }

    /**
     * Converts {@code checkpoint} to {@code onnxOut}, with a dynamic batch dimension when
     * {@code dynamicBatch}: inputs and outputs then have the symbolic first axis {@code batch}, and
     * the engine runs up to {@code SeparationOptions.maxBatch} chunks per call (for GPUs). Each chunk of
     * a batch gives what the fixed-batch model gives for it alone, to float32 rounding.
     *
     * @throws ModelNotFoundException  when the checkpoint does not exist
     * @throws InvalidModelException   when it is not a supported Demucs checkpoint
     * @throws UncheckedIOException    when the output cannot be written
     */
    public static ImportReport convert(Path checkpoint, Path onnxOut, boolean dynamicBatch) {
        long start = System.nanoTime();
        if (!Files.isRegularFile(checkpoint)) {
            throw new ModelNotFoundException(checkpoint + ": checkpoint file not found");
        }
        String sha;
        try {
            sha = sha256(checkpoint);
        } catch (IOException e) {
            throw new InvalidModelException(checkpoint + ": cannot read checkpoint: " + e.getMessage(), e);
        }
        LoadedModel model = load(checkpoint);
        OnnxGraph graph = HTDemucsGraph.build(model.config, model.state, dynamicBatch);

        Map<String, String> meta = metadata(model.config, model.klass, sha, String.valueOf(checkpoint.getFileName()));
        try {
            writeAtomically(graph, meta, onnxOut);
        } catch (IOException e) {
            throw new UncheckedIOException(onnxOut + ": cannot write ONNX: " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new ImportReport(onnxOut, sha, model.config.sources(), model.config.sampleRate(),
                model.config.segmentSamples(), model.state.parameterCount(), seconds);
    }

    static Map<String, String> metadata(HTDemucsConfig config, PyGlobal klass, String sha, String fileName) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("sources", String.join(",", config.sources()));
        meta.put("sample_rate", Integer.toString(config.sampleRate()));
        meta.put("segment_samples", Integer.toString(config.segmentSamples()));
        meta.put("checkpoint_sha256", sha);
        meta.put("checkpoint_file", fileName);
        meta.put("model_class", klass.qualifiedName());
        meta.put("kwargs", Json.write(config.all()));
        meta.put("nfft", Integer.toString(config.integer("nfft")));
        meta.put("importer", VERSION);
        return meta;
    }

    /** A checkpoint's class, options and state dict. */
    static final class LoadedModel {
        final PyGlobal klass;
        final HTDemucsConfig config;
        final StateDict state;

        LoadedModel(PyGlobal klass, HTDemucsConfig config, StateDict state) {
            this.klass = klass;
            this.config = config;
            this.state = state;
        }
    }

    /** Reads and checks the package (class, options, state dict) without building a graph. */
    static LoadedModel load(Path checkpoint) {
        Object root;
        try {
            root = TorchCheckpoint.load(checkpoint);
        } catch (IOException e) {
            throw new InvalidModelException(checkpoint + ": cannot read checkpoint: " + e.getMessage(), e);
        }
        if (!(root instanceof Map)) {
            throw new InvalidModelException(checkpoint + ": not a Demucs model package (the pickle holds "
                    + (root == null ? "None" : root.getClass().getSimpleName()) + ", expected a dict with klass/args/kwargs/state)");
        }
        Map<?, ?> pkg = (Map<?, ?>) root;
        for (String key : List.of("klass", "kwargs", "state")) {
            if (!pkg.containsKey(key)) {
                throw new InvalidModelException(checkpoint + ": not a Demucs model package (no '" + key + "' entry; keys: " + pkg.keySet()
                        + "). A bare state dict needs its model's kwargs: use the package demucs.states.serialize_model writes");
            }
        }
        Object klassObj = pkg.get("klass");
        if (!(klassObj instanceof PyGlobal)) {
            throw new InvalidModelException(checkpoint + ": model class entry is not a class reference: " + klassObj);
        }
        PyGlobal klass = (PyGlobal) klassObj;
        if (!klass.name().equals("HTDemucs")) {
            String what;
            switch (klass.name()) {
                case "Demucs":
                    what = "Demucs v2 (" + klass + ")";
                    break;
                case "HDemucs":
                    what = "Hybrid Demucs v3 (" + klass + ")";
                    break;
                default:
                    what = klass.toString();
            }
            throw new InvalidModelException(checkpoint + ": unsupported model class " + what + "; only HTDemucs (Demucs v4) checkpoints can be imported");
        }
        Object args = pkg.get("args");
        Object kwargs = pkg.get("kwargs");
        if (args != null && !(args instanceof PyTuple) && !(args instanceof List)) {
            throw new InvalidModelException(checkpoint + ": model args are not a tuple: " + args);
        }
        if (!(kwargs instanceof Map)) {
            throw new InvalidModelException(checkpoint + ": model kwargs are not a dict: " + kwargs);
        }
        PyTuple argTuple = args instanceof List ? new PyTuple(castList(args)) : (PyTuple) args;
        HTDemucsConfig config = HTDemucsConfig.of(argTuple, (Map<?, ?>) kwargs, checkpoint.toString());
        Object stateObj = pkg.get("state");
        if (!(stateObj instanceof Map)) {
            throw new InvalidModelException(checkpoint + ": model state is not a dict: " + stateObj);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) stateObj).entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals("__quantized")) {
                throw new InvalidModelException(checkpoint + ": unsupported quantized state (diffq); use the non-quantized checkpoint");
            }
            if (!(e.getValue() instanceof Tensor)) {
                throw new InvalidModelException(checkpoint + ": state entry '" + key + "' is not a float tensor: " + e.getValue());
            }
            tensors.put(key, (Tensor) e.getValue());
        }
        return new LoadedModel(klass, config, new StateDict(tensors, checkpoint.toString()));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object o) {
        return (List<Object>) o;
    }

    static void writeAtomically(OnnxGraph graph, Map<String, String> meta, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // Not createTempFile: the model gets the default permissions, not 0600.
        Path tmp = dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".part");
        boolean done = false;
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW), 1 << 20)) {
                graph.write(out, meta, VERSION);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
            }
        }
    }

    /** Lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Minimal JSON for the kwargs metadata (Python values as read from the pickle). */
    static final class Json {
        private Json() {
        }

        static String write(Object o) {
            StringBuilder sb = new StringBuilder();
            write(o, sb);
            return sb.toString();
        }

        private static void write(Object o, StringBuilder sb) {
            if (o == null) {
                sb.append("null");
            } else if (o instanceof Boolean || o instanceof Long || o instanceof Integer || o instanceof java.math.BigInteger) {
                sb.append(o);
            } else if (o instanceof Double || o instanceof Float) {
                double d = ((Number) o).doubleValue();
                sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
            } else if (o instanceof Fraction) {
                str(o.toString(), sb);
            } else if (o instanceof Map) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    str(String.valueOf(e.getKey()), sb);
                    sb.append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            } else if (o instanceof List || o instanceof PyTuple) {
                List<?> items = o instanceof PyTuple ? ((PyTuple) o).items() : (List<?>) o;
                sb.append('[');
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(items.get(i), sb);
                }
                sb.append(']');
            } else {
                str(o.toString(), sb);
            }
        }

        private static void str(String s, StringBuilder sb) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"':
                        sb.append("\\\"");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    case '\n':
                        sb.append("\\n");
                        break;
                    default:
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }
    }
}
