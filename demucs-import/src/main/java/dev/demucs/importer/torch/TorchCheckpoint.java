package dev.demucs.importer.torch;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a {@code torch.save} file without Python: the zip layout (torch ≥ 1.6: {@code <root>/data.pkl}
 * plus one entry {@code <root>/data/<key>} per storage, the root folder name varies) and the legacy
 * sequential layout (magic number, protocol, sys_info and object pickles, the storage key list,
 * then each storage as an int64 element count followed by its raw little-endian bytes).
 *
 * <p>Storages of type Half, BFloat16, Float and Double become float32 exactly (fp16 and bf16 are
 * exactly representable); tensors honour their storage offset and strides. Globals are never
 * executed: {@code torch._utils._rebuild_tensor_v2} becomes a {@link Tensor},
 * {@code collections.OrderedDict} a {@link LinkedHashMap}, {@code fractions.Fraction} a
 * {@link Fraction}, classes stay {@link PyGlobal} names, anything else a {@link PyObject}.
 *
 * <pre>{@code
 * Object pkg = TorchCheckpoint.load(Path.of("htdemucs.th"));   // a Map for Demucs packages
 * }</pre>
 */
public final class TorchCheckpoint {

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private TorchCheckpoint() {
    }

    /** A storage reference met during unpickling; its bytes are attached afterwards. */
    private static final class Storage {
        final String key;
        final String type;
        final long numel;
        ByteBuffer bytes;

        Storage(String key, String type, long numel) {
            this.key = key;
            this.type = type;
            this.numel = numel;
        }

        int elementSize() {
            return elementSize(type);
        }

        static int elementSize(String type) {
            switch (type) {
                case "HalfStorage":
                case "BFloat16Storage":
                    return 2;
                case "FloatStorage":
                    return 4;
                case "DoubleStorage":
                    return 8;
                default:
                    return -1;
            }
        }
    }

    /** A tensor whose storage bytes may not be there yet. */
    private static final class PendingTensor {
        final Storage storage;
        final long offset;
        final long[] size;
        final long[] stride;

        PendingTensor(Storage storage, long offset, long[] size, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.size = size;
            this.stride = stride;
        }
    }

    /** A view of a root storage (legacy layout's view_metadata). */
    private static final class StorageView {
        final Storage root;
        final long offset;

        StorageView(Storage root, long offset) {
            this.root = root;
            this.offset = offset;
        }
    }

    /**
     * Reads the whole file and returns the unpickled object with every tensor materialised.
     *
     * @throws IOException on a read error or a file that is not a torch.save file (the message
     *                     names the file and the reason)
     */
    public static Object load(Path file) throws IOException {
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 4) {
                throw new IOException(file + ": not a PyTorch checkpoint (file too short)");
            }
        }
        if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return loadZip(file);
        }
        if ((head[0] & 0xff) == 0x80) {
            return loadLegacy(file);
        }
        throw new IOException(file + ": not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)");
    }

    private static Object loadZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
                if (name.equals("data.pkl")) {
                    prefix = "";
                    break;
                }
            }
            if (prefix == null) {
                throw new IOException(file + ": zip archive without a data.pkl entry: not a torch.save file");
            }
            Map<String, Storage> storages = new LinkedHashMap<>();
            Object root;
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            try (InputStream in = new BufferedInputStream(zip.getInputStream(pkl))) {
                root = unpickle(in, file + " (data.pkl)", storages);
            }
            for (Storage s : storages.values()) {
                ZipEntry e = zip.getEntry(prefix + "data/" + s.key);
                if (e == null) {
                    throw new IOException(file + ": storage " + s.key + " missing from the archive");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                s.bytes = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            return materialise(root, file);
        }
    }

    private static Object loadLegacy(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Map<String, Storage> storages = new LinkedHashMap<>();
            Object magic = unpickle(in, file + " (magic number)", storages);
            if (!(magic instanceof BigInteger) || !LEGACY_MAGIC.equals(magic)) {
                throw new IOException(file + ": not a PyTorch checkpoint (bad legacy magic number " + magic + ")");
            }
            Object protocol = unpickle(in, file + " (protocol version)", storages);
            if (!Long.valueOf(1001L).equals(protocol)) {
                throw new IOException(file + ": unsupported legacy torch.save protocol " + protocol);
            }
            unpickle(in, file + " (sys_info)", storages);
            Object root = unpickle(in, file.toString(), storages);
            Object keys = unpickle(in, file + " (storage keys)", storages);
            if (!(keys instanceof List)) {
                throw new IOException(file + ": legacy storage key list missing");
            }
            for (Object k : (List<?>) keys) {
                Storage s = storages.get(String.valueOf(k));
                if (s == null) {
                    throw new IOException(file + ": storage key " + k + " was never referenced");
                }
                byte[] count = in.readNBytes(8);
                if (count.length != 8) {
                    throw new IOException(file + ": truncated before storage " + k);
                }
                long numel = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong();
                int es = s.elementSize();
                long nbytes = numel * (es < 0 ? 1 : es);
                if (es < 0 || numel < 0 || nbytes > Integer.MAX_VALUE) {
                    throw new IOException(file + ": storage " + k + " of type " + s.type + " with " + numel + " elements is not supported");
                }
                byte[] bytes = in.readNBytes((int) nbytes);
                if (bytes.length != nbytes) {
                    throw new IOException(file + ": truncated inside storage " + k);
                }
                s.bytes = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            return materialise(root, file);
        }
    }

    private static Object unpickle(InputStream in, String description, Map<String, Storage> storages) throws IOException {
        Unpickler u = new Unpickler(in, pid -> persistentLoad(pid, storages, description),
                (callable, args) -> reduce(callable, args, description), description);
        try {
            return u.load();
        } catch (IllegalStateException | IllegalArgumentException | ClassCastException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Object persistentLoad(Object pid, Map<String, Storage> storages, String description) {
        if (!(pid instanceof PyTuple) || ((PyTuple) pid).size() < 1) {
            throw new IllegalStateException(description + ": unexpected persistent id " + pid);
        }
        PyTuple t = (PyTuple) pid;
        String kind = String.valueOf(t.get(0));
        if (kind.equals("module")) {
            // legacy layout: ('module', class, source file, source text)
            return t.get(1);
        }
        if (!kind.equals("storage") || t.size() < 5) {
            throw new IllegalStateException(description + ": unexpected persistent id " + pid);
        }
        Object type = t.get(1);
        String typeName = type instanceof PyGlobal ? ((PyGlobal) type).name() : String.valueOf(type);
        String key = String.valueOf(t.get(2));
        long numel = ((Number) t.get(4)).longValue();
        Storage s = storages.get(key);
        if (s == null) {
            s = new Storage(key, typeName, numel);
            storages.put(key, s);
        }
        if (t.size() >= 6 && t.get(5) != null) {
            // legacy view: (view_key, offset, view_size)
            PyTuple view = (PyTuple) t.get(5);
            return new StorageView(s, ((Number) view.get(1)).longValue());
        }
        return s;
    }

    private static Object reduce(PyGlobal g, PyTuple args, String description) {
        switch (g.qualifiedName()) {
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor": {
                Object st = args.get(0);
                Storage storage;
                long base = 0;
                if (st instanceof StorageView) {
                    storage = ((StorageView) st).root;
                    base = ((StorageView) st).offset;
                } else if (st instanceof Storage) {
                    storage = (Storage) st;
                } else {
                    throw new IllegalStateException(description + ": tensor without a storage");
                }
                long offset = base + ((Number) args.get(1)).longValue();
                return new PendingTensor(storage, offset, longs(args.get(2)), longs(args.get(3)));
            }
            case "torch._utils._rebuild_parameter":
                return args.get(0);
            case "collections.OrderedDict": {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() > 0 && args.get(0) instanceof List) {
                    for (Object kv : (List<?>) args.get(0)) {
                        List<Object> p = kv instanceof PyTuple ? ((PyTuple) kv).items() : castList(kv);
                        m.put(p.get(0), p.get(1));
                    }
                }
                return m;
            }
            case "fractions.Fraction": {
                if (args.size() == 1 && args.get(0) instanceof String) {
                    return Fraction.parse((String) args.get(0));
                }
                if (args.size() == 2) {
                    return new Fraction(big(args.get(0)), big(args.get(1)));
                }
                return new PyObject(g, args);
            }
            default:
                return new PyObject(g, args);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object o) {
        return (List<Object>) o;
    }

    private static BigInteger big(Object o) {
        return o instanceof BigInteger ? (BigInteger) o : BigInteger.valueOf(((Number) o).longValue());
    }

    private static long[] longs(Object o) {
        List<Object> items = o instanceof PyTuple ? ((PyTuple) o).items() : castList(o);
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) items.get(i)).longValue();
        }
        return out;
    }

    /** Replaces every pending tensor in the object tree by a float32 {@link Tensor}. */
    private static Object materialise(Object o, Path file) throws IOException {
        if (o instanceof PendingTensor) {
            return toTensor((PendingTensor) o, file);
        }
        if (o instanceof Map) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) o;
            for (Map.Entry<Object, Object> e : m.entrySet()) {
                e.setValue(materialise(e.getValue(), file));
            }
            return m;
        }
        if (o instanceof List) {
            List<Object> l = castList(o);
            for (int i = 0; i < l.size(); i++) {
                l.set(i, materialise(l.get(i), file));
            }
            return l;
        }
        if (o instanceof PyTuple) {
            List<Object> items = new ArrayList<>(((PyTuple) o).items());
            boolean changed = false;
            for (int i = 0; i < items.size(); i++) {
                Object v = materialise(items.get(i), file);
                changed |= v != items.get(i);
                items.set(i, v);
            }
            return changed ? new PyTuple(items) : o;
        }
        return o;
    }

    private static Tensor toTensor(PendingTensor p, Path file) throws IOException {
        Storage s = p.storage;
        int es = s.elementSize();
        if (es < 0) {
            throw new IOException(file + ": tensor storage type " + s.type + " is not supported (only Half, BFloat16, Float, Double)");
        }
        if (s.bytes == null) {
            throw new IOException(file + ": storage " + s.key + " has no data");
        }
        long available = s.bytes.capacity() / es;
        long n = Tensor.numel(p.size);
        if (n > Integer.MAX_VALUE) {
            throw new IOException(file + ": tensor too large");
        }
        float[] out = new float[(int) n];
        int rank = p.size.length;
        long[] idx = new long[rank];
        long maxIndex = p.offset;
        for (int d = 0; d < rank; d++) {
            if (p.size[d] == 0) {
                return new Tensor(p.size, out, dtypeName(s.type));
            }
            maxIndex += (p.size[d] - 1) * p.stride[d];
        }
        if (p.offset < 0 || maxIndex >= available) {
            throw new IOException(file + ": tensor view exceeds its storage " + s.key);
        }
        ByteBuffer b = s.bytes;
        for (int i = 0; i < n; i++) {
            long pos = p.offset;
            for (int d = 0; d < rank; d++) {
                pos += idx[d] * p.stride[d];
            }
            out[i] = read(b, s.type, (int) pos);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < p.size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new Tensor(p.size, out, dtypeName(s.type));
    }

    private static String dtypeName(String storageType) {
        switch (storageType) {
            case "HalfStorage":
                return "float16";
            case "BFloat16Storage":
                return "bfloat16";
            case "FloatStorage":
                return "float32";
            default:
                return "float64";
        }
    }

    private static float read(ByteBuffer b, String type, int index) {
        switch (type) {
            case "HalfStorage":
                return halfToFloat(b.getShort(index * 2));
            case "BFloat16Storage":
                return Float.intBitsToFloat((b.getShort(index * 2) & 0xffff) << 16);
            case "FloatStorage":
                return b.getFloat(index * 4);
            default:
                return (float) b.getDouble(index * 8);
        }
    }

    /** IEEE 754 binary16 to float32, exact (subnormals, infinities and NaN included). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Reads a pickle from bytes with this reader's conventions (for tests and tools). */
    public static Object unpickleBytes(byte[] pickle, String description) throws IOException {
        return unpickle(new ByteArrayInputStream(pickle), description, new LinkedHashMap<>());
    }
}
