package dev.demucs.core.engine;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the session options need to know of a model before ONNX Runtime loads it: whether its
 * first graph input has a dynamic first (batch) dimension. Read straight from the ONNX protobuf
 * (ModelProto.graph → GraphProto.input → ValueInfoProto.type → tensor_type.shape.dim[0]), skipping
 * nodes and initializers by their length, so a 170 MB model costs a few reads.
 *
 * <p>Public only for the benchmarks (on the class path); the package is not exported.
 */
public final class OnnxHeader {

    // field numbers of onnx.proto
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INPUT = 11;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH = 2;
    private static final int FIXED32 = 5;

    private OnnxHeader() {
    }

    /**
     * Whether the model file's first graph input has a first dimension without a fixed value (a
     * symbolic or unknown batch). False when the file cannot be read or is not an ONNX model: the
     * session's own loading then reports that.
     */
    public static boolean dynamicBatch(Path onnx) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(onnx), 1 << 16))) {
            long graph = find(in, Long.MAX_VALUE, MODEL_GRAPH);
            if (graph < 0) {
                return false;
            }
            byte[] input = read(in, find(in, graph, GRAPH_INPUT));
            byte[] type = read(input, VALUE_INFO_TYPE);
            byte[] tensor = read(type, TYPE_TENSOR);
            byte[] shape = read(tensor, TENSOR_SHAPE);
            byte[] firstDim = read(shape, SHAPE_DIM);
            if (firstDim == null) {
                return false;
            }
            // a fixed dimension carries dim_value (a varint); a symbolic one dim_param; an unknown one neither
            return !hasVarint(firstDim, DIM_VALUE);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads fields from {@code in} until one numbered {@code field} of length type, within {@code limit}
     * bytes; returns its length (the stream then stands at its contents), or -1 when absent.
     */
    private static long find(DataInputStream in, long limit, int field) throws IOException {
        long used = 0;
        while (used < limit) {
            long key;
            try {
                key = varint(in);
            } catch (EOFException e) {
                return -1;
            }
            if (key >>> 3 == field && (key & 7) == LENGTH) {
                return varint(in);
            }
            used += size(key) + skipValue(in, (int) (key & 7));
        }
        return -1;
    }

    /** Whether the message in {@code message} has a varint field numbered {@code field}. */
    private static boolean hasVarint(byte[] message, int field) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
        while (in.available() > 0) {
            long key = varint(in);
            if (key >>> 3 == field && (key & 7) == VARINT) {
                return true;
            }
            skipValue(in, (int) (key & 7));
        }
        return false;
    }

    /** Skips a field's value of this wire type; returns the bytes it took. */
    private static long skipValue(DataInputStream in, int wire) throws IOException {
        switch (wire) {
            case VARINT:
                return size(varint(in));
            case FIXED64:
                in.skipNBytes(8);
                return 8;
            case FIXED32:
                in.skipNBytes(4);
                return 4;
            case LENGTH:
                long length = varint(in);
                in.skipNBytes(length);
                return size(length) + length;
            default:
                throw new IOException("not a protobuf message (wire type " + wire + ")");
        }
    }

    /** The contents of the first {@code field} of the message in {@code message}, or null. */
    private static byte[] read(byte[] message, int field) throws IOException {
        if (message == null) {
            return null;
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
        return read(in, find(in, message.length, field));
    }

    private static byte[] read(InputStream in, long length) throws IOException {
        if (length < 0) {
            return null;
        }
        if (length > 1 << 20) {
            throw new IOException("a value-info message of " + length + " bytes");
        }
        return in.readNBytes((int) length);
    }

    private static long varint(DataInputStream in) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed varint");
    }

    /** Bytes of a varint's encoding. */
    private static int size(long value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }
}
