package dev.demucs.models;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.model.ModelForm;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an ONNX file declares, read by streaming its protobuf without loading the weights (a
 * 300 MB model is summarised in a few megabytes of heap): opset, graph inputs/outputs with shapes,
 * metadata, parameter count, and the Demucs form recognised by rank and shape.
 *
 * @param path           the file
 * @param irVersion      the ONNX IR version
 * @param opset          the default-domain opset version (0 when absent)
 * @param producer       producer name and version ("" when absent)
 * @param inputs         graph inputs that are not initializers
 * @param outputs        graph outputs
 * @param metadata       metadata_props
 * @param parameterCount total elements over all initializers
 * @param initializers   number of initializers
 * @param nodes          number of nodes of the main graph
 */
public record OnnxSummary(Path path, long irVersion, long opset, String producer, List<Tensor> inputs,
                          List<Tensor> outputs, Map<String, String> metadata, long parameterCount,
                          int initializers, int nodes) {

    /**
     * A graph input or output.
     *
     * @param name        its name
     * @param elementType the ONNX element type (FLOAT, ...)
     * @param dims        the dimensions: a number, a symbolic name, or "?"
     */
    public record Tensor(String name, String elementType, List<String> dims) {
        public Tensor {
            dims = List.copyOf(dims);
        }

        /** The rank. */
        public int rank() {
            return dims.size();
        }

        /** Dimension {@code i} as a number, or -1 when symbolic. */
        public long dim(int i) {
            try {
                return Long.parseLong(dims.get(i));
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        @Override
        public String toString() {
            return name + " " + elementType + " " + dims;
        }
    }

    public OnnxSummary {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        metadata = Map.copyOf(metadata);
    }

    /**
     * Reads the summary of {@code file}.
     *
     * @throws ModelNotFoundException when the file does not exist
     * @throws InvalidModelException  when it is not an ONNX model
     */
    public static OnnxSummary read(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return parse(file, in);
        } catch (NoSuchFileException e) {
            throw new ModelNotFoundException("model file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidModelException(file + ": not a readable ONNX model: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof InvalidModelException || e instanceof ModelNotFoundException) {
                throw e;
            }
            throw new InvalidModelException(file + ": not a readable ONNX model: " + e, e);
        }
    }

    private static OnnxSummary parse(Path file, InputStream stream) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(stream);
        in.setSizeLimit(Integer.MAX_VALUE);
        long ir = 0;
        long opset = 0;
        String producer = "";
        String producerVersion = "";
        Map<String, String> metadata = new LinkedHashMap<>();
        Graph graph = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> ir = in.readInt64();
                case 2 -> producer = in.readString();
                case 3 -> producerVersion = in.readString();
                case 7 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    graph = graph(in);
                    in.popLimit(limit);
                }
                case 8 -> {
                    OnnxMl.OperatorSetIdProto op = OnnxMl.OperatorSetIdProto.parseFrom(in.readBytes());
                    if (op.getDomain().isEmpty() || op.getDomain().equals("ai.onnx")) {
                        opset = op.getVersion();
                    }
                }
                case 14 -> {
                    OnnxMl.StringStringEntryProto kv = OnnxMl.StringStringEntryProto.parseFrom(in.readBytes());
                    metadata.put(kv.getKey(), kv.getValue());
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null || ir == 0) {
            throw new InvalidModelException(file + ": not an ONNX model (no graph or IR version)");
        }
        List<Tensor> inputs = new ArrayList<>();
        for (Tensor t : graph.inputs) {
            if (!graph.initializerNames.contains(t.name())) {
                inputs.add(t);
            }
        }
        String prod = (producer + " " + producerVersion).trim();
        return new OnnxSummary(file, ir, opset, prod, inputs, graph.outputs, metadata, graph.parameters,
                graph.initializerNames.size(), graph.nodes);
    }

    private static final class Graph {
        final List<Tensor> inputs = new ArrayList<>();
        final List<Tensor> outputs = new ArrayList<>();
        final java.util.Set<String> initializerNames = new java.util.HashSet<>();
        long parameters;
        int nodes;
    }

    private static Graph graph(CodedInputStream in) throws IOException {
        Graph g = new Graph();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return g;
            }
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    g.nodes++;
                    in.skipField(tag);
                }
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    initializer(in, g);
                    in.popLimit(limit);
                }
                case 11 -> g.inputs.add(tensor(OnnxMl.ValueInfoProto.parseFrom(in.readBytes())));
                case 12 -> g.outputs.add(tensor(OnnxMl.ValueInfoProto.parseFrom(in.readBytes())));
                default -> in.skipField(tag);
            }
        }
    }

    private static void initializer(CodedInputStream in, Graph g) throws IOException {
        long elements = 1;
        String name = "";
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    elements *= in.readInt64();
                }
                in.popLimit(limit);
            } else if (field == 1) {
                elements *= in.readInt64();
            } else if (field == 8) {
                name = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        g.initializerNames.add(name);
        g.parameters += elements;
    }

    private static Tensor tensor(OnnxMl.ValueInfoProto v) {
        String type = "?";
        List<String> dims = new ArrayList<>();
        if (v.getType().hasTensorType()) {
            OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
            OnnxMl.TensorProto.DataType dt = OnnxMl.TensorProto.DataType.forNumber(t.getElemType());
            type = dt == null ? Integer.toString(t.getElemType()) : dt.name();
            for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
                dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.hasDimParam() ? d.getDimParam() : "?");
            }
        }
        return new Tensor(v.getName(), type, dims);
    }

    /** The Demucs form recognised by rank and shape (not by name), if the graph is one. */
    public Optional<ModelForm> form() {
        if (inputs.size() == 2 && outputs.size() == 2) {
            boolean in = inputs.stream().anyMatch(t -> t.rank() == 3) && inputs.stream().anyMatch(t -> t.rank() == 4);
            boolean out = outputs.stream().anyMatch(t -> t.rank() == 5) && outputs.stream().anyMatch(t -> t.rank() == 4);
            if (in && out) {
                return Optional.of(ModelForm.TWO_INPUT);
            }
        }
        if (inputs.size() == 1 && outputs.size() == 1 && inputs.get(0).rank() == 3 && outputs.get(0).rank() == 4) {
            return Optional.of(ModelForm.SINGLE_GRAPH);
        }
        return Optional.empty();
    }

    /** The number of stems from the time-domain output [B, S, 2, L], or -1 when unknown. */
    public int stemCount() {
        return outputs.stream().filter(t -> t.rank() == 4).findFirst().map(t -> (int) t.dim(1)).orElse(-1);
    }

    /**
     * The stem names from the metadata {@code sources} (comma-separated or a JSON array), else
     * empty.
     */
    public List<String> sources() {
        String s = metadata.get("sources");
        if (s == null || s.isBlank()) {
            return List.of();
        }
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        return Arrays.stream(t.split(",")).map(x -> x.trim().replace("\"", "").replace("'", ""))
                .filter(x -> !x.isEmpty()).toList();
    }

    /** The metadata {@code sample_rate}, else 44 100. */
    public int sampleRate() {
        return intMetadata("sample_rate").orElse(44_100);
    }

    /** The metadata {@code segment_samples}, else the waveform input's last dimension, else -1. */
    public long segmentSamples() {
        Optional<Integer> m = intMetadata("segment_samples");
        if (m.isPresent()) {
            return m.get();
        }
        return inputs.stream().filter(t -> t.rank() == 3).findFirst().map(t -> t.dim(2)).orElse(-1L);
    }

    private Optional<Integer> intMetadata(String key) {
        String v = metadata.get(key);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            throw new InvalidModelException(path + ": metadata " + key + " is not an integer: \"" + v + "\"");
        }
    }
}
