package dev.demucs.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A full-size htdemucs checkpoint with random weights: the released architecture (its constructor
 * options) and upstream's state-dict layout for it (533 tensors, 41 984 456 parameters), rounded
 * to fp16 like the official files, written as the {@code .th} package that the importer's public
 * API converts. For benchmarks and tests that need the real network's cost without downloading the
 * official 84 MB checkpoint; its stems are meaningless.
 *
 * <pre>{@code
 * RandomHtdemucs.writeCheckpoint(dir.resolve("htdemucs_random.th"), 1);
 * CheckpointImporter.convert(dir.resolve("htdemucs_random.th"), dir.resolve("htdemucs_random.onnx"));
 * }</pre>
 */
public final class RandomHtdemucs {

    /** The four stems of htdemucs. */
    public static final List<String> SOURCES = List.of("drums", "bass", "other", "vocals");

    private RandomHtdemucs() {
    }

    /**
     * The constructor options of the released htdemucs checkpoint that differ from HTDemucs'
     * signature defaults (upstream's remote config): dconv_mode 3, bottom_channels 512, segment
     * 39/5 s; with the defaults that makes channels 48, depth 4, nfft 4096, five transformer layers
     * of 8 heads at 44.1 kHz.
     */
    public static Map<String, Object> releasedKwargs() {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("sources", new ArrayList<Object>(SOURCES));
        k.put("dconv_mode", 3L);
        k.put("bottom_channels", 512L);
        k.put("segment", new TorchCheckpoints.PyFraction("39/5"));
        k.put("multi_freqs", new ArrayList<>());
        k.put("t_dropout", 0.02);
        k.put("t_sparse_attn_window", 400L);
        return k;
    }

    /** The state-dict keys and shapes of upstream's HTDemucs for the released kwargs, in order. */
    public static Map<String, long[]> stateShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (InputStream in = RandomHtdemucs.class.getResourceAsStream("htdemucs_state_shapes.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource htdemucs_state_shapes.txt missing from the demucs-testing jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] cols = line.split("\t");
                String[] dims = cols[1].split(",");
                long[] shape = new long[dims.length];
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = Long.parseLong(dims[i].trim());
                }
                shapes.put(cols[0], shape);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return shapes;
    }

    /**
     * Random weights for the released layout (rounded to fp16 when written): norm weights near 1,
     * other tensors Gaussian scaled by 1/sqrt(fan-in) (LayerScales by a further 0.1).
     */
    public static Map<String, TorchCheckpoints.Half> randomState(long seed) {
        Random rnd = new Random(seed);
        Map<String, TorchCheckpoints.Half> state = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : stateShapes().entrySet()) {
            long[] shape = e.getValue();
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            String key = e.getKey();
            boolean unit = key.contains("norm") && key.endsWith("weight");
            double fanIn = shape.length > 1 ? (double) n / shape[0] : 1;
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) {
                v[i] = unit ? 1f + 0.1f * (float) rnd.nextGaussian()
                        : (float) (rnd.nextGaussian() / Math.sqrt(fanIn) * (key.endsWith("scale") ? 0.1 : 1));
            }
            state.put(key, new TorchCheckpoints.Half(v, shape));
        }
        return state;
    }

    /**
     * Writes the random full-size checkpoint (about 84 MB) to {@code file}: class
     * {@code demucs.htdemucs.HTDemucs}, {@link #releasedKwargs()}, {@link #randomState(long)}.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public static Path writeCheckpoint(Path file, long seed) {
        try {
            TorchCheckpoints.write(file, TorchCheckpoints.HTDEMUCS, releasedKwargs(), randomState(seed));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write checkpoint: " + e.getMessage(), e);
        }
        return file;
    }
}
