package dev.demucs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes Demucs model packages in torch.save's zip layout (pickle protocol 2, fp16 storages stored
 * uncompressed under {@code <root>/data/<key>}), the way upstream's serialize_model + torch.save
 * write them: {@code {klass, args: (), kwargs, state: OrderedDict, training_args: {}, metrics: {}}}.
 * Lets tests and benchmarks build checkpoints of any size, or with deliberate defects, from Java,
 * for the importer's public API ({@code CheckpointImporter.convert}) to read.
 *
 * <pre>{@code
 * TorchCheckpoints.write(file, TorchCheckpoints.HTDEMUCS, Map.of("sources", List.of("a", "b")), state);
 * }</pre>
 */
public final class TorchCheckpoints {

    /** Upstream's {@code demucs.htdemucs.HTDemucs}, the class of every Demucs v4 checkpoint. */
    public static final PyClass HTDEMUCS = new PyClass("demucs.htdemucs", "HTDemucs");

    /**
     * A tensor to write: fp16 values (as float, rounded to nearest-even on write), its shape, and
     * for a view into a larger storage its offset and strides (null: contiguous).
     */
    public record Half(float[] values, long[] shape, long offset, long[] stride) {
        /** A contiguous tensor over its whole storage. */
        public Half(float[] values, long[] shape) {
            this(values, shape, 0, null);
        }
    }

    /** A Python global (a class reference such as the package's {@code klass}). */
    public record PyClass(String module, String name) {
    }

    /** A Python {@code fractions.Fraction}, pickled as {@code Fraction(text)}, e.g. "39/5". */
    public record PyFraction(String text) {
    }

    private final ByteArrayOutputStream pkl = new ByteArrayOutputStream();
    private final List<float[]> storages = new ArrayList<>();

    private TorchCheckpoints() {
    }

    /**
     * Writes {klass, args: (), kwargs, state: OrderedDict, training_args: {}, metrics: {}} to
     * {@code file} (its name without {@code .th} is the archive's root folder, as torch.save does).
     *
     * @param klass  the model class global
     * @param kwargs constructor options (String, Long, Integer, Double, Boolean, null, List, Map,
     *               {@link PyFraction}, {@link PyClass})
     * @param state  name → tensor, in order
     * @throws IllegalArgumentException for a kwarg of another type
     */
    public static void write(Path file, PyClass klass, Map<String, Object> kwargs, Map<String, Half> state) throws IOException {
        TorchCheckpoints w = new TorchCheckpoints();
        w.op(0x80);
        w.op(2);
        w.op('}');
        w.op('(');
        w.str("klass");
        w.global(klass);
        w.str("args");
        w.op(')');
        w.str("kwargs");
        w.value(kwargs);
        w.str("state");
        w.global(new PyClass("collections", "OrderedDict"));
        w.op(')');
        w.op('R');
        w.op('(');
        for (Map.Entry<String, Half> e : state.entrySet()) {
            w.str(e.getKey());
            w.tensor(e.getValue());
        }
        w.op('u');
        w.str("training_args");
        w.op('}');
        w.str("metrics");
        w.op('}');
        w.op('u');
        w.op('.');
        String root = file.getFileName().toString().replace(".th", "");
        try (OutputStream fo = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(fo)) {
            stored(zip, root + "/data.pkl", w.pkl.toByteArray());
            for (int i = 0; i < w.storages.size(); i++) {
                float[] v = w.storages.get(i);
                ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    b.putShort(toHalf(f));
                }
                stored(zip, root + "/data/" + i, b.array());
            }
            stored(zip, root + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** float32 → IEEE binary16 bits, round-to-nearest-even (what torch's {@code .half()} does). */
    public static short toHalf(float f) {
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

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private void tensor(Half t) {
        global(new PyClass("torch._utils", "_rebuild_tensor_v2"));
        op('(');
        // persistent id ('storage', torch.HalfStorage, key, 'cpu', numel)
        op('(');
        str("storage");
        global(new PyClass("torch", "HalfStorage"));
        str(Integer.toString(storages.size()));
        str("cpu");
        integer(t.values().length);
        op('t');
        op('Q');
        storages.add(t.values());
        integer(t.offset());
        op('(');
        for (long d : t.shape()) {
            integer(d);
        }
        op('t');
        op('(');
        long stride = 1;
        long[] strides = new long[t.shape().length];
        for (int i = strides.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= t.shape()[i];
        }
        for (long s : t.stride() != null ? t.stride() : strides) {
            integer(s);
        }
        op('t');
        op(0x89);
        global(new PyClass("collections", "OrderedDict"));
        op(')');
        op('R');
        op('t');
        op('R');
    }

    private void value(Object v) {
        if (v == null) {
            op('N');
        } else if (v instanceof Boolean) {
            op((Boolean) v ? 0x88 : 0x89);
        } else if (v instanceof Integer || v instanceof Long) {
            integer(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            op('G');
            long bits = Double.doubleToLongBits(((Number) v).doubleValue());
            for (int i = 7; i >= 0; i--) {
                op((int) (bits >>> (8 * i)) & 0xff);
            }
        } else if (v instanceof String) {
            str((String) v);
        } else if (v instanceof PyFraction) {
            global(new PyClass("fractions", "Fraction"));
            op('(');
            str(((PyFraction) v).text());
            op('t');
            op('R');
        } else if (v instanceof List) {
            op(']');
            op('(');
            for (Object o : (List<?>) v) {
                value(o);
            }
            op('e');
        } else if (v instanceof Map) {
            op('}');
            op('(');
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                value(e.getKey());
                value(e.getValue());
            }
            op('u');
        } else if (v instanceof PyClass) {
            global((PyClass) v);
        } else {
            throw new IllegalArgumentException("cannot pickle " + v.getClass());
        }
    }

    private void integer(long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            for (int i = 0; i < 4; i++) {
                op((int) (v >>> (8 * i)) & 0xff);
            }
        } else {
            op(0x8a);
            op(8);
            for (int i = 0; i < 8; i++) {
                op((int) (v >>> (8 * i)) & 0xff);
            }
        }
    }

    private void global(PyClass g) {
        op('c');
        bytes((g.module() + "\n" + g.name() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        for (int i = 0; i < 4; i++) {
            op((b.length >>> (8 * i)) & 0xff);
        }
        bytes(b);
    }

    private void op(int b) {
        pkl.write(b);
    }

    private void bytes(byte[] b) {
        pkl.write(b, 0, b.length);
    }
}
