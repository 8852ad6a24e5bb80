package dev.demucs.testing;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates small Demucs-shaped ONNX models for tests, with the raw {@code ai.onnx.proto.OnnxMl}
 * protobuf builders (opset 17). They have the exact input/output shapes of the public exports
 * but compute a per-stem gain, so a test knows the answer:
 *
 * <pre>
 * two-input form     inputs  waveform [1,2,L] "input", spectrogram [1,4,2048,ceil(L/1024)] "onnx::Slice_1"
 *                    outputs freq [1,S,4,2048,F] "output" = freqGains[k]·spectrogram,
 *                            time [1,S,2,L] "2841"       = timeGains[k]·waveform
 * single-graph form  input "mix" [1,2,L]; output "stems" [1,S,2,L] = gains[k]·mix
 * </pre>
 *
 * <p>Through the whole pipeline (normalisation, STFT, iSTFT, overlap-add, de-normalisation), a
 * gain model with time gain a_k and frequency gain b_k gives stem k ≈ (a_k+b_k)·(mix − m) + m,
 * m being the mean of the mono reference. <b>Exact (to float rounding) only for the time branch
 * and the single-graph form</b>: Demucs' spectrogram drops the Nyquist bin and the two edge frames
 * on each side, so ispec(spec(x)) differs from x in the first and last ~1536 samples of every model
 * window and by the Nyquist content everywhere (about 1 % of the mix RMS for broadband noise).
 * For an exact expectation use freqGains of 0 (or the single-graph form); with freqGains ≠ 0 allow
 * a tolerance of a few percent of the mix RMS, or pass each window through
 * {@code dev.demucs.core.dsp.DemucsStft} as the engine's own tests do.
 *
 * <pre>{@code
 * Path onnx = TestModels.twoInputGain(dir.resolve("gain.onnx"), new float[]{1, 0.5f, 0, 0},
 *         new float[]{0, 0.5f, 1, 0}, 343980, TestModels.metadata(List.of("drums", "bass", "other", "vocals"), 44100, 343980));
 * }</pre>
 *
 * <p>Files are written under a temporary name and renamed when whole. Methods throw
 * {@link UncheckedIOException} on an I/O failure.
 */
public final class TestModels {

    /** Opset of every generated model. */
    public static final int OPSET = 17;
    /** HTDemucs' segment, 7.8 s at 44.1 kHz. */
    public static final int SEGMENT_SAMPLES = 343_980;
    /** The four standard Demucs stems, in model order. */
    public static final List<String> FOUR_STEMS = List.of("drums", "bass", "other", "vocals");
    /** The six stems of htdemucs_6s, in model order. */
    public static final List<String> SIX_STEMS = List.of("drums", "bass", "other", "vocals", "guitar", "piano");

    private static final int FREQ_BINS = 2048;
    private static final int HOP = 1024;

    private TestModels() {
    }

    /**
     * Metadata map as the exporters write it: {@code sources} (comma-separated),
     * {@code sample_rate}, {@code segment_samples}.
     */
    public static Map<String, String> metadata(List<String> sources, int sampleRate, int segmentSamples) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sources", String.join(",", sources));
        m.put("sample_rate", Integer.toString(sampleRate));
        m.put("segment_samples", Integer.toString(segmentSamples));
        return m;
    }

    /** Spectrogram frames of the two-input form for a segment: ceil(L / 1024). */
    public static int spectrogramFrames(int segmentSamples) {
        return (segmentSamples + HOP - 1) / HOP;
    }

    /**
     * Two-input form (STFT outside the graph), batch fixed at 1. Inputs: waveform [1,2,L]
     * ("input") and spectrogram [1,4,2048,ceil(L/1024)] ("onnx::Slice_1"); outputs: frequency
     * branch [1,S,4,2048,F] = freqGains[k]·spectrogram ("output") and time branch [1,S,2,L] =
     * timeGains[k]·waveform ("2841"). S = number of gains (both arrays must have the same length).
     *
     * @param metadata metadata_props to write; empty writes none
     * @return {@code file}
     */
    public static Path twoInputGain(Path file, float[] timeGains, float[] freqGains, int segmentSamples,
                                    Map<String, String> metadata) {
        return twoInput(file, timeGains, freqGains, null, segmentSamples, false, 0, metadata);
    }

    /** Same as {@link #twoInputGain} with a dynamic batch dimension ("batch") on every input and output. */
    public static Path twoInputGainDynamicBatch(Path file, float[] timeGains, float[] freqGains, int segmentSamples,
                                                Map<String, String> metadata) {
        return twoInput(file, timeGains, freqGains, null, segmentSamples, true, 0, metadata);
    }

    /**
     * {@link #twoInputGain}'s outputs, bit for bit, at a fixed cost per run: a Loop of
     * {@code matmuls} products of 256×256 matrices, on a matrix made from the waveform's mean (so
     * nothing is constant-folded), whose sum is added to the time branch times zero. The working
     * set (three 256 KB matrices) stays in a core's cache, so two processes on two cores each run
     * it at full speed: a "heavy model whose run takes a fixed time" for throughput measurements
     * that should not depend on memory bandwidth shared between cores.
     */
    public static Path twoInputFixedCost(Path file, float[] timeGains, float[] freqGains, int segmentSamples, int matmuls,
                                         Map<String, String> metadata) {
        if (matmuls < 1) {
            throw new IllegalArgumentException("matmuls must be at least 1: " + matmuls);
        }
        return twoInput(file, timeGains, freqGains, null, segmentSamples, false, matmuls, metadata);
    }

    /**
     * A position-dependent two-input model: the time branch is timeGains[k]·ramp[t]·waveform[c][t]
     * with the position pattern ramp[t] of {@link #ramp} over the model's segment (so a chunk's output depends on where
     * each sample sits in the window), the frequency branch freqGains[k]·spectrogram.
     */
    public static Path twoInputRamp(Path file, float[] timeGains, float[] freqGains, int segmentSamples,
                                    Map<String, String> metadata) {
        float[] ramp = ramp(segmentSamples);
        return twoInput(file, timeGains, freqGains, ramp, segmentSamples, false, 0, metadata);
    }

    /**
     * The position pattern {@link #twoInputRamp} multiplies by: ramp[t] = (t + 1) / L + 0.5·cos(0.003·t),
     * in float — a ramp over the segment plus a ripple, so that a chunk placed even one sample off
     * gives a visibly different result.
     */
    public static float[] ramp(int segmentSamples) {
        float[] ramp = new float[segmentSamples];
        for (int t = 0; t < segmentSamples; t++) {
            ramp[t] = (float) ((t + 1) / (double) segmentSamples + 0.5 * Math.cos(0.003 * t));
        }
        return ramp;
    }

    /** Single-graph form: input "mix" [1,2,L], output "stems" [1,S,2,L] = gains[k]·mix. */
    public static Path singleGraphGain(Path file, float[] gains, int segmentSamples, Map<String, String> metadata) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("single_graph_gain");
        g.addInput(tensor("mix", 1, 2, segmentSamples));
        g.addInitializer(floats("gains", gains, 1, gains.length, 1, 1));
        g.addInitializer(longs("axis1", 1));
        g.addNode(node("Unsqueeze", List.of("mix", "axis1"), List.of("mix_u"), "unsqueeze"));
        g.addNode(node("Mul", List.of("mix_u", "gains"), List.of("stems"), "mul"));
        g.addOutput(tensor("stems", 1, gains.length, 2, segmentSamples));
        return write(file, g, metadata);
    }

    /** Single-graph position-dependent model: stems[k] = gains[k]·ramp[t]·mix (see {@link #ramp}). */
    public static Path singleGraphRamp(Path file, float[] gains, int segmentSamples, Map<String, String> metadata) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("single_graph_ramp");
        g.addInput(tensor("mix", 1, 2, segmentSamples));
        g.addInitializer(floats("gains", gains, 1, gains.length, 1, 1));
        g.addInitializer(floats("ramp", ramp(segmentSamples), segmentSamples));
        g.addInitializer(longs("axis1", 1));
        g.addNode(node("Mul", List.of("mix", "ramp"), List.of("mix_r"), "ramp_mul"));
        g.addNode(node("Unsqueeze", List.of("mix_r", "axis1"), List.of("mix_u"), "unsqueeze"));
        g.addNode(node("Mul", List.of("mix_u", "gains"), List.of("stems"), "mul"));
        g.addOutput(tensor("stems", 1, gains.length, 2, segmentSamples));
        return write(file, g, metadata);
    }

    /**
     * A model with the given input and output shapes whose outputs are zeros (ConstantOfShape),
     * inputs unused: for testing what the inspector accepts and rejects. Input names are
     * "in0", "in1", …, output names "out0", "out1", ….
     */
    public static Path shapes(Path file, List<long[]> inputShapes, List<long[]> outputShapes, Map<String, String> metadata) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("shapes");
        for (int i = 0; i < inputShapes.size(); i++) {
            g.addInput(tensor("in" + i, inputShapes.get(i)));
        }
        for (int i = 0; i < outputShapes.size(); i++) {
            long[] shape = outputShapes.get(i);
            g.addInitializer(longs("shape" + i, shape));
            g.addNode(node("ConstantOfShape", List.of("shape" + i), List.of("out" + i), "zeros" + i));
            g.addOutput(tensor("out" + i, shape));
        }
        return write(file, g, metadata);
    }

    private static Path twoInput(Path file, float[] timeGains, float[] freqGains, float[] ramp, int segmentSamples,
                                 boolean dynamicBatch, int busyMatMuls, Map<String, String> metadata) {
        if (timeGains.length != freqGains.length) {
            throw new IllegalArgumentException(timeGains.length + " time gains but " + freqGains.length + " frequency gains");
        }
        int stems = timeGains.length;
        int frames = spectrogramFrames(segmentSamples);
        long batch = dynamicBatch ? -1 : 1;
        String wave = "input";
        String spec = "onnx::Slice_1";
        String freqOut = "output";
        String timeOut = "2841";
        GraphProto.Builder g = GraphProto.newBuilder().setName(dynamicBatch ? "two_input_gain_dynamic" : "two_input_gain");
        g.addInput(tensor(wave, batch, 2, segmentSamples));
        g.addInput(tensor(spec, batch, 4, FREQ_BINS, frames));
        g.addInitializer(floats("onnx::Mul_17", timeGains, 1, stems, 1, 1));
        g.addInitializer(floats("onnx::Mul_18", freqGains, 1, stems, 1, 1, 1));
        g.addInitializer(longs("onnx::Unsqueeze_19", 1));
        String waveSrc = wave;
        if (ramp != null) {
            g.addInitializer(floats("onnx::Mul_20", ramp, segmentSamples));
            g.addNode(node("Mul", List.of(wave, "onnx::Mul_20"), List.of("/Mul_output_0"), "/Mul"));
            waveSrc = "/Mul_output_0";
        }
        g.addNode(node("Unsqueeze", List.of(waveSrc, "onnx::Unsqueeze_19"), List.of("/Unsqueeze_output_0"), "/Unsqueeze"));
        g.addNode(node("Unsqueeze", List.of(spec, "onnx::Unsqueeze_19"), List.of("/Unsqueeze_1_output_0"), "/Unsqueeze_1"));
        g.addNode(node("Mul", List.of("/Unsqueeze_1_output_0", "onnx::Mul_18"), List.of(freqOut), "/Mul_1"));
        if (busyMatMuls == 0) {
            g.addNode(node("Mul", List.of("/Unsqueeze_output_0", "onnx::Mul_17"), List.of(timeOut), "/Mul_2"));
        } else {
            g.addNode(node("Mul", List.of("/Unsqueeze_output_0", "onnx::Mul_17"), List.of("/Mul_2_output_0"), "/Mul_2"));
            addBusyLoop(g, wave, busyMatMuls, "/busy/sum");
            g.addInitializer(floats("/busy/zero", new float[]{0f}));
            g.addNode(node("Mul", List.of("/busy/sum", "/busy/zero"), List.of("/busy/nothing"), "/busy/Mul"));
            g.addNode(node("Add", List.of("/Mul_2_output_0", "/busy/nothing"), List.of(timeOut), "/busy/Add"));
        }
        g.addOutput(tensor(freqOut, batch, stems, 4, FREQ_BINS, frames));
        g.addOutput(tensor(timeOut, batch, stems, 2, segmentSamples));
        return write(file, g, metadata);
    }

    /**
     * Adds to {@code g} a scalar {@code sum} = the sum of (mean(source) + I)·I·I… ({@code matmuls}
     * 256×256 products in a Loop), finite for finite input; the identity keeps the values bounded.
     */
    private static void addBusyLoop(GraphProto.Builder g, String source, int matmuls, String sum) {
        int n = 256;
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 1f;
        }
        g.addInitializer(floats("/busy/eye", eye, n, n));
        g.addInitializer(longs("/busy/trips", matmuls).toBuilder().clearDims().build());
        g.addNode(node("ReduceMean", List.of(source), List.of("/busy/mean"), "/busy/ReduceMean", intAttribute("keepdims", 0)));
        g.addNode(node("Add", List.of("/busy/mean", "/busy/eye"), List.of("/busy/start"), "/busy/Start"));
        GraphProto body = GraphProto.newBuilder().setName("busy_body")
                .addInput(scalar("iteration", TensorProto.DataType.INT64))
                .addInput(scalar("cond_in", TensorProto.DataType.BOOL))
                .addInput(tensor("a_in", n, n))
                .addNode(node("Identity", List.of("cond_in"), List.of("cond_out"), "/busy/cond"))
                .addNode(node("MatMul", List.of("a_in", "/busy/eye"), List.of("a_out"), "/busy/MatMul"))
                .addOutput(scalar("cond_out", TensorProto.DataType.BOOL))
                .addOutput(tensor("a_out", n, n))
                .build();
        g.addNode(node("Loop", List.of("/busy/trips", "", "/busy/start"), List.of("/busy/end"), "/busy/Loop",
                AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body).build()));
        g.addNode(node("ReduceSum", List.of("/busy/end"), List.of(sum), "/busy/ReduceSum", intAttribute("keepdims", 0)));
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A scalar (rank-0) value of the given element type. */
    private static ValueInfoProto scalar(String name, TensorProto.DataType type) {
        TypeProto t = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(TensorShapeProto.newBuilder()))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(t).build();
    }

    /** Writes a model made of the graph under a temporary name, then renames it. */
    private static Path write(Path file, GraphProto.Builder graph, Map<String, String> metadata) {
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("demucs-core TestModels")
                .setProducerVersion("1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        metadata.forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            Files.write(tmp, model.build().toByteArray());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write test model " + file + ": " + e.getMessage(), e);
        }
    }

    /** A float tensor value; a dimension of -1 is the symbolic "batch". */
    private static ValueInfoProto tensor(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d < 0) {
                dim.setDimParam("batch");
            } else {
                dim.setDimValue(d);
            }
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static NodeProto node(String op, List<String> inputs, List<String> outputs, String name,
                                  AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    private static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        raw.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(com.google.protobuf.ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }
}
