package dev.demucs.benchmarks;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a Demucs-shaped "gain" model in the two-input form (opset 17): the exact tensor shapes
 * of the public HTDemucs exports, but each stem is a constant gain of the inputs, so ONNX
 * Runtime spends almost no time in it and a separation measures the host's own work.
 *
 * <pre>
 * inputs   waveform    [1, 2, L]                "input"
 *          spectrogram [1, 4, 2048, ceil(L/1024)]
 * outputs  frequency   [1, 4, 4, 2048, F]  = freqGain[k] · spectrogram   "output"
 *          time        [1, 4, 2, L]        = timeGain[k] · waveform
 * </pre>
 *
 * <p>With the gains used here (time 0.25 and frequency 0.25 for every stem), each stem of a
 * separation is 0.5·(mix − m) + m, m the mean of the mono reference. Metadata: sources
 * drums,bass,other,vocals, 44100 Hz, segment L.
 */
public final class GainModel {

    /** HTDemucs' segment in samples (7.8 s at 44.1 kHz). */
    public static final int SEGMENT_SAMPLES = 343_980;
    /** The four Demucs stems, in model order. */
    public static final List<String> SOURCES = List.of("drums", "bass", "other", "vocals");

    private GainModel() {
    }

    /**
     * Writes the model to {@code file} (under a temporary name, then renamed).
     *
     * @param segmentSamples the model's segment L in samples
     * @return {@code file}
     */
    public static Path write(Path file, int segmentSamples) {
        int stems = SOURCES.size();
        int frames = (segmentSamples + 1023) / 1024;
        float[] gains = new float[stems];
        java.util.Arrays.fill(gains, 0.25f);
        GraphProto.Builder g = GraphProto.newBuilder().setName("benchmark_gain");
        g.addInput(tensor("input", 1, 2, segmentSamples));
        g.addInput(tensor("spectrogram", 1, 4, 2048, frames));
        g.addInitializer(floats("time_gain", gains, 1, stems, 1, 1));
        g.addInitializer(floats("freq_gain", gains, 1, stems, 1, 1, 1));
        g.addInitializer(longs("axis", 1));
        g.addNode(node("Unsqueeze", List.of("input", "axis"), "wave_u"));
        g.addNode(node("Unsqueeze", List.of("spectrogram", "axis"), "spec_u"));
        g.addNode(node("Mul", List.of("spec_u", "freq_gain"), "output"));
        g.addNode(node("Mul", List.of("wave_u", "time_gain"), "time"));
        g.addOutput(tensor("output", 1, stems, 4, 2048, frames));
        g.addOutput(tensor("time", 1, stems, 2, segmentSamples));
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("demucs benchmarks")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g);
        meta(model, "sources", String.join(",", SOURCES));
        meta(model, "sample_rate", "44100");
        meta(model, "segment_samples", Integer.toString(segmentSamples));
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
            Files.write(tmp, model.build().toByteArray());
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write gain model " + file + ": " + e.getMessage(), e);
        }
    }

    private static void meta(ModelProto.Builder model, String key, String value) {
        model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    private static ValueInfoProto tensor(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private static NodeProto node(String op, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(output + "_" + op)
                .addAllInput(inputs).addOutput(output).build();
    }

    private static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        raw.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.INT64.getNumber()).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }
}
