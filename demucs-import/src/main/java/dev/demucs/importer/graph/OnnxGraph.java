package dev.demucs.importer.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small builder of float32 ONNX graphs (opset 17) with static shapes: every operation checks its
 * operand shapes and computes its output shape, so a graph that builds is consistent.
 * Weights become initializers stored as raw little-endian data.
 *
 * <p>With a dynamic batch, the graph is built and checked for a batch of 1, but the inputs and
 * outputs declare their first axis as the symbolic {@code batch} and every reshape target writes its
 * first axis as -1 (inferred). That is right as long as the first axis of every reshaped value holds
 * the batch (possibly merged with the following axes) or is a constant's own axis, which the callers
 * keep.
 */
public final class OnnxGraph {

    /** The ONNX opset the graphs use. */
    public static final int OPSET = 17;

    /** The symbolic name of the first axis of the inputs and outputs when the batch is dynamic. */
    public static final String BATCH = "batch";

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final boolean dynamicBatch;
    private final Map<String, Integer> counters = new LinkedHashMap<>();
    private final Map<Long, String> scalarCache = new LinkedHashMap<>();
    private long parameterCount;

    /**
     * @param name         the graph name
     * @param dynamicBatch whether the first axis of the inputs and outputs is the symbolic
     *                     {@link #BATCH} instead of 1
     */
    public OnnxGraph(String name, boolean dynamicBatch) {
        graph.setName(name);
        this.dynamicBatch = dynamicBatch;
    }

    private String fresh(String hint) {
        int n = counters.merge(hint, 1, Integer::sum);
        return n == 1 ? hint : hint + "_" + n;
    }

    private OnnxMl.ValueInfoProto valueInfo(String name, long[] dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            OnnxMl.TensorShapeProto.Dimension.Builder d = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            shape.addDim(i == 0 && dynamicBatch ? d.setDimParam(BATCH) : d.setDimValue(dims[i]));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    /** Declares a float graph input. */
    public Value input(String name, long... dims) {
        graph.addInput(valueInfo(name, dims));
        counters.merge(name, 1, Integer::sum);
        return new Value(name, dims);
    }

    /** Declares {@code v} as a graph output under {@code name}. */
    public void output(Value v, String name) {
        graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName(fresh("out_" + name))
                .addInput(v.name()).addOutput(name));
        graph.addOutput(valueInfo(name, v.shape()));
    }

    /** A float initializer holding a trained weight (counted in {@link #parameterCount()}). */
    public Value weight(String name, float[] data, long... dims) {
        parameterCount += data.length;
        return constant(name, data, dims);
    }

    /** A float initializer. */
    public Value constant(String hint, float[] data, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("constant " + hint + ": " + data.length + " values for shape " + Arrays.toString(dims));
        }
        String name = fresh(hint);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(UnsafeByteOperations.unsafeWrap(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return new Value(name, dims);
    }

    /** A float scalar constant (shape []), shared between uses. */
    public Value scalar(float v) {
        long key = Float.floatToRawIntBits(v);
        String name = scalarCache.get(key);
        if (name == null) {
            name = constant("c", new float[]{v}).name();
            scalarCache.put(key, name);
        }
        return new Value(name, new long[0]);
    }

    /** A 1-D int64 initializer (shapes, axes, slice bounds). */
    public String ints(long... values) {
        String name = fresh("i64");
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Counts trained parameters folded into a constant (e.g. a pre-scaled embedding). */
    public void countParameters(long n) {
        parameterCount += n;
    }

    /** Number of trained parameters added through {@link #weight}. */
    public long parameterCount() {
        return parameterCount;
    }

    // ---------------------------------------------------------------- node plumbing

    private String node(String op, List<String> inputs, Map<String, Object> attrs) {
        String out = fresh(op.toLowerCase());
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out + "_node").addOutput(out);
        inputs.forEach(n::addInput);
        if (attrs != null) {
            for (Map.Entry<String, Object> e : attrs.entrySet()) {
                OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(e.getKey());
                Object v = e.getValue();
                if (v instanceof Long || v instanceof Integer) {
                    a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
                } else if (v instanceof Float || v instanceof Double) {
                    a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
                } else if (v instanceof long[]) {
                    a.setType(OnnxMl.AttributeProto.AttributeType.INTS);
                    for (long x : (long[]) v) {
                        a.addInts(x);
                    }
                } else {
                    throw new IllegalArgumentException("attribute type " + v.getClass());
                }
                n.addAttribute(a);
            }
        }
        graph.addNode(n);
        return out;
    }

    private static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static IllegalArgumentException shapeError(String op, Value... vs) {
        return new IllegalArgumentException(op + ": incompatible shapes " + Arrays.toString(vs));
    }

    // ---------------------------------------------------------------- operations

    /**
     * N-d convolution. {@code x} [N, C, *spatial], {@code w} [O, C, *kernel], {@code b} [O] or null.
     *
     * @param pads begin pads then end pads, one per spatial axis each
     */
    public Value conv(Value x, Value w, Value b, long[] strides, long[] pads, long[] dilations) {
        int sp = x.rank() - 2;
        if (w.rank() != x.rank() || w.dim(1) != x.dim(1) || (b != null && b.dim(0) != w.dim(0))) {
            throw shapeError("Conv", x, w);
        }
        long[] out = new long[x.rank()];
        out[0] = x.dim(0);
        out[1] = w.dim(0);
        for (int i = 0; i < sp; i++) {
            long k = w.dim(2 + i);
            long span = dilations[i] * (k - 1) + 1;
            long in = x.dim(2 + i) + pads[i] + pads[sp + i];
            if (in < span) {
                throw shapeError("Conv", x, w);
            }
            out[2 + i] = (in - span) / strides[i] + 1;
        }
        long[] kernel = Arrays.copyOfRange(w.shape(), 2, w.rank());
        List<String> in = new ArrayList<>(List.of(x.name(), w.name()));
        if (b != null) {
            in.add(b.name());
        }
        return new Value(node("Conv", in, attrs("kernel_shape", kernel, "strides", strides, "pads", pads, "dilations", dilations)), out);
    }

    /** N-d transposed convolution without padding. {@code w} [C, O, *kernel]. */
    public Value convTranspose(Value x, Value w, Value b, long[] strides) {
        int sp = x.rank() - 2;
        if (w.rank() != x.rank() || w.dim(0) != x.dim(1) || (b != null && b.dim(0) != w.dim(1))) {
            throw shapeError("ConvTranspose", x, w);
        }
        long[] out = new long[x.rank()];
        out[0] = x.dim(0);
        out[1] = w.dim(1);
        for (int i = 0; i < sp; i++) {
            out[2 + i] = (x.dim(2 + i) - 1) * strides[i] + w.dim(2 + i);
        }
        long[] kernel = Arrays.copyOfRange(w.shape(), 2, w.rank());
        List<String> in = new ArrayList<>(List.of(x.name(), w.name()));
        if (b != null) {
            in.add(b.name());
        }
        long[] pads = new long[2 * sp];
        return new Value(node("ConvTranspose", in, attrs("kernel_shape", kernel, "strides", strides, "pads", pads)), out);
    }

    private static long[] broadcast(String op, Value a, Value b) {
        int r = Math.max(a.rank(), b.rank());
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            int ia = a.rank() - r + i;
            int ib = b.rank() - r + i;
            long da = ia < 0 ? 1 : a.dim(ia);
            long db = ib < 0 ? 1 : b.dim(ib);
            if (da != db && da != 1 && db != 1) {
                throw shapeError(op, a, b);
            }
            out[i] = Math.max(da, db);
        }
        return out;
    }

    private Value binary(String op, Value a, Value b) {
        return new Value(node(op, List.of(a.name(), b.name()), null), broadcast(op, a, b));
    }

    /** Elementwise {@code a + b} with numpy broadcasting. */
    public Value add(Value a, Value b) {
        return binary("Add", a, b);
    }

    /** Elementwise {@code a - b} with numpy broadcasting. */
    public Value sub(Value a, Value b) {
        return binary("Sub", a, b);
    }

    /** Elementwise {@code a * b} with numpy broadcasting. */
    public Value mul(Value a, Value b) {
        return binary("Mul", a, b);
    }

    /** Elementwise {@code a / b} with numpy broadcasting. */
    public Value div(Value a, Value b) {
        return binary("Div", a, b);
    }

    /** {@code a * s} for a float scalar. */
    public Value scale(Value a, float s) {
        return mul(a, scalar(s));
    }

    private Value unary(String op, Value x) {
        return new Value(node(op, List.of(x.name()), null), x.shape());
    }

    /** Elementwise square root. */
    public Value sqrt(Value x) {
        return unary("Sqrt", x);
    }

    /** Elementwise logistic sigmoid. */
    public Value sigmoid(Value x) {
        return unary("Sigmoid", x);
    }

    /** Elementwise max(x, 0). */
    public Value relu(Value x) {
        return unary("Relu", x);
    }

    /** Elementwise error function. */
    public Value erf(Value x) {
        return unary("Erf", x);
    }

    /** Exact GELU: {@code x · ½ · (1 + erf(x / √2))}, as torch's default. */
    public Value gelu(Value x) {
        // the node order ONNX Runtime fuses into one Gelu kernel: ((1 + erf(x / √2)) · x) · ½
        Value e = erf(div(x, scalar((float) Math.sqrt(2))));
        return mul(mul(x, add(e, scalar(1f))), scalar(0.5f));
    }

    /** Softmax over the last axis. */
    public Value softmax(Value x) {
        return new Value(node("Softmax", List.of(x.name()), attrs("axis", -1L)), x.shape());
    }

    /** Matrix product with numpy broadcasting of batch dims. */
    public Value matmul(Value a, Value b) {
        if (a.rank() < 2 || b.rank() < 2 || a.dim(-1) != b.dim(-2)) {
            throw shapeError("MatMul", a, b);
        }
        Value ba = new Value("a", Arrays.copyOf(a.shape(), a.rank() - 2));
        Value bb = new Value("b", Arrays.copyOf(b.shape(), b.rank() - 2));
        long[] batch = broadcast("MatMul", ba, bb);
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = a.dim(-2);
        out[batch.length + 1] = b.dim(-1);
        return new Value(node("MatMul", List.of(a.name(), b.name()), null), out);
    }

    /**
     * Reshape to explicit dims (same number of elements); with a dynamic batch the first axis is
     * written as -1, so it follows the batch.
     */
    public Value reshape(Value x, long... dims) {
        Value target = new Value("t", dims);
        if (target.numel() != x.numel()) {
            throw new IllegalArgumentException("Reshape " + x + " to " + Arrays.toString(dims));
        }
        if (Arrays.equals(dims, x.shape())) {
            return x;
        }
        long[] written = dims.clone();
        if (dynamicBatch && written.length > 0) {
            written[0] = -1;
        }
        return new Value(node("Reshape", List.of(x.name(), ints(written)), null), dims);
    }

    /** Transpose by {@code perm}. */
    public Value transpose(Value x, long... perm) {
        if (perm.length != x.rank()) {
            throw new IllegalArgumentException("Transpose " + x + " by " + Arrays.toString(perm));
        }
        long[] out = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = x.dim((int) perm[i]);
        }
        return new Value(node("Transpose", List.of(x.name()), attrs("perm", perm)), out);
    }

    /** {@code x[..., start:end, ...]} along {@code axis} (0 ≤ start < end ≤ dim). */
    public Value slice(Value x, int axis, long start, long end) {
        int ax = axis < 0 ? x.rank() + axis : axis;
        if (start < 0 || end > x.dim(ax) || start >= end) {
            throw new IllegalArgumentException("Slice " + x + " axis " + axis + " [" + start + ", " + end + ")");
        }
        if (start == 0 && end == x.dim(ax)) {
            return x;
        }
        long[] out = x.shape();
        out[ax] = end - start;
        return new Value(node("Slice", List.of(x.name(), ints(start), ints(end), ints(ax)), null), out);
    }

    /** Mean over all axes but the first {@code keepLeading}, keeping dims. */
    public Value meanTail(Value x, int keepLeading) {
        long[] axes = new long[x.rank() - keepLeading];
        long[] out = x.shape();
        for (int i = 0; i < axes.length; i++) {
            axes[i] = keepLeading + i;
            out[keepLeading + i] = 1;
        }
        return new Value(node("ReduceMean", List.of(x.name()), attrs("axes", axes, "keepdims", 1L)), out);
    }

    /** Sum over all axes but the first {@code keepLeading}, keeping dims. */
    public Value sumTail(Value x, int keepLeading) {
        long[] axes = new long[x.rank() - keepLeading];
        long[] out = x.shape();
        for (int i = 0; i < axes.length; i++) {
            axes[i] = keepLeading + i;
            out[keepLeading + i] = 1;
        }
        return new Value(node("ReduceSum", List.of(x.name(), ints(axes)), attrs("keepdims", 1L)), out);
    }

    /** LayerNormalization over the last axis. */
    public Value layerNorm(Value x, Value gamma, Value beta, float eps) {
        if (gamma.rank() != 1 || gamma.dim(0) != x.dim(-1) || beta.dim(0) != x.dim(-1)) {
            throw shapeError("LayerNormalization", x, gamma);
        }
        return new Value(node("LayerNormalization", List.of(x.name(), gamma.name(), beta.name()),
                attrs("axis", -1L, "epsilon", eps)), x.shape());
    }

    /** Concatenation along {@code axis}. */
    public Value concat(int axis, Value... vs) {
        long[] out = vs[0].shape();
        int ax = axis < 0 ? out.length + axis : axis;
        out[ax] = 0;
        List<String> names = new ArrayList<>();
        for (Value v : vs) {
            out[ax] += v.dim(ax);
            names.add(v.name());
        }
        return new Value(node("Concat", names, attrs("axis", (long) ax)), out);
    }

    /** Builds the model with the given metadata_props and writes it to {@code out}. */
    public void write(OutputStream out, Map<String, String> metadata, String producerVersion) throws IOException {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("demucs-import")
                .setProducerVersion(producerVersion)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        m.build().writeTo(out);
    }
}
