package dev.demucs.importer;

import dev.demucs.importer.graph.HTDemucsConfig;
import dev.demucs.importer.graph.HTDemucsGraph;
import dev.demucs.importer.graph.OnnxGraph;
import dev.demucs.importer.graph.StateDict;
import dev.demucs.importer.torch.PyGlobal;
import dev.demucs.importer.torch.Tensor;
import dev.demucs.importer.torch.TorchCheckpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A full-size htdemucs with random weights (the released architecture and state-dict layout,
 * 41 984 456 parameters rounded to fp16 like the official files), written as ONNX through the
 * same graph builder the importer uses. For benchmarks and tests that need the real network's
 * cost without downloading the official 84 MB checkpoint; its stems are meaningless.
 *
 * <pre>
 * java -cp demucs-import.jar:… dev.demucs.importer.RandomHtdemucs htdemucs_random.onnx [seed]
 * </pre>
 */
public final class RandomHtdemucs {

    /** The four stems of htdemucs. */
    public static final List<String> SOURCES = List.of("drums", "bass", "other", "vocals");

    private RandomHtdemucs() {
    }

    /** The state-dict keys and shapes of upstream's HTDemucs for the released kwargs, in order. */
    public static Map<String, long[]> stateShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (InputStream in = RandomHtdemucs.class.getResourceAsStream("htdemucs_state_shapes.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource htdemucs_state_shapes.txt missing from the demucs-import jar");
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
     * Random fp16-representable weights for the released layout: norm weights near 1, other
     * tensors Gaussian scaled by 1/sqrt(fan-in) (LayerScales by a further 0.1).
     */
    public static Map<String, Tensor> randomState(long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : stateShapes().entrySet()) {
            long[] shape = e.getValue();
            long n = Tensor.numel(shape);
            String key = e.getKey();
            boolean unit = key.contains("norm") && key.endsWith("weight");
            double fanIn = shape.length > 1 ? (double) n / shape[0] : 1;
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                float x = unit ? 1f + 0.1f * (float) rnd.nextGaussian()
                        : (float) (rnd.nextGaussian() / Math.sqrt(fanIn) * (key.endsWith("scale") ? 0.1 : 1));
                v[i] = TorchCheckpoint.halfToFloat(toHalf(x));
            }
            state.put(key, new Tensor(shape, v, "float16"));
        }
        return state;
    }

    /** Builds the random full-size model and writes it to {@code onnx}. */
    public static ImportReport write(Path onnx, long seed) {
        long start = System.nanoTime();
        HTDemucsConfig config = HTDemucsConfig.released(SOURCES);
        StateDict state = new StateDict(randomState(seed), "random htdemucs (seed " + seed + ")");
        OnnxGraph graph = HTDemucsGraph.build(config, state);
        Map<String, String> meta = CheckpointImporter.metadata(config, new PyGlobal("demucs.htdemucs", "HTDemucs"),
                "none: random weights, seed " + seed, "none");
        try {
            CheckpointImporter.writeAtomically(graph, meta, onnx);
        } catch (IOException e) {
            throw new UncheckedIOException(onnx + ": cannot write ONNX: " + e.getMessage(), e);
        }
        return new ImportReport(onnx, "", config.sources(), config.sampleRate(), config.segmentSamples(),
                state.parameterCount(), (System.nanoTime() - start) / 1e9);
    }

    /** {@code RandomHtdemucs OUT.onnx [seed]}. */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: RandomHtdemucs OUT.onnx [seed]");
            System.exit(2);
        }
        ImportReport r = write(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 1L);
        System.out.printf("wrote %s: %d parameters, %.1f s%n", r.onnx(), r.parameterCount(), r.seconds());
    }

    /** float32 → IEEE binary16 bits, round-to-nearest-even. */
    static short toHalf(float f) {
        int b = Float.floatToRawIntBits(f);
        int sign = (b >>> 16) & 0x8000;
        int rawExp = (b >>> 23) & 0xff;
        int mant = b & 0x7fffff;
        if (rawExp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int exp = rawExp - 127 + 15;
        if (exp >= 31) {
            return (short) (sign | 0x7c00);
        }
        if (exp <= 0) {
            if (exp < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }
}
