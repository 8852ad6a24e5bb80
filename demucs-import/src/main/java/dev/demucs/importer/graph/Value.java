package dev.demucs.importer.graph;

import java.util.Arrays;

/**
 * A tensor in the graph under construction: its ONNX name and its static float32 shape.
 *
 * @param name  the ONNX value name
 * @param shape the dimensions (all static)
 */
record Value(String name, long[] shape) {
    public Value {
        shape = shape.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** One dimension; negative indexes count from the end. */
    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Product of the dimensions. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Value && ((Value) o).name.equals(name) && Arrays.equals(((Value) o).shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
