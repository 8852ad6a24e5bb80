package dev.demucs.importer.torch;

import java.util.Arrays;

/**
 * A tensor read from a checkpoint, already converted to float32 and laid out contiguously
 * (row-major, C order) whatever the storage offset and strides were.
 */
public final class Tensor {
    private final long[] shape;
    private final float[] data;
    private final String dtype;

    /**
     * @param shape the dimensions
     * @param data  row-major values, length = product of shape
     * @param dtype the storage type it was read from (e.g. "float16")
     */
    public Tensor(long[] shape, float[] data, String dtype) {
        this.shape = shape.clone();
        this.data = data;
        this.dtype = dtype;
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match " + data.length + " values");
        }
    }

    /** Product of the dimensions. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** A copy of the dimensions. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** One dimension. */
    public long dim(int i) {
        return shape[i];
    }

    /** The values (not copied: do not modify). */
    public float[] data() {
        return data;
    }

    /** The source element type, e.g. "float16". */
    public String dtype() {
        return dtype;
    }

    /** Number of elements. */
    public int size() {
        return data.length;
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype;
    }
}
