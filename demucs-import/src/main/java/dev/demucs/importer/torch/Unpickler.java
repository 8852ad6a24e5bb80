package dev.demucs.importer.torch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A small, safe Python pickle reader (protocols 0 to 4) for {@code torch.save} files.
 *
 * <p>Nothing is ever executed: a {@code GLOBAL} becomes a {@link PyGlobal} name, and calling it
 * ({@code REDUCE}, {@code NEWOBJ}) goes through {@link #reducer}, which by default builds a
 * {@link PyObject}. Python values map to Java as: int → {@link Long} (or {@link BigInteger}
 * when it does not fit), float → {@link Double}, str → {@link String}, bytes → {@code byte[]},
 * bool → {@link Boolean}, None → {@code null}, list → {@link ArrayList}, tuple → {@link PyTuple},
 * dict → {@link LinkedHashMap}, set → {@link LinkedHashSet}.
 *
 * <p>Reads exactly up to the {@code STOP} opcode, so several pickles can be read one after
 * another from the same stream (the legacy torch layout relies on that).
 */
final class Unpickler {

    /** Calls a Python callable: returns the Java value of {@code callable(*args)}. */
    @FunctionalInterface
    public interface Reducer {
        Object call(PyGlobal callable, PyTuple args);
    }

    private static final Object MARK = new Object();

    private final InputStream in;
    private final Function<Object, Object> persistentLoad;
    private final Reducer reducer;
    private final String description;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param in             the bytes; read exactly up to and including STOP
     * @param persistentLoad maps a persistent id (the object pickled with it) to its value
     * @param reducer        calls a global with its arguments
     * @param description    names the input in errors
     */
    public Unpickler(InputStream in, Function<Object, Object> persistentLoad, Reducer reducer, String description) {
        this.in = Objects.requireNonNull(in);
        this.persistentLoad = persistentLoad;
        this.reducer = reducer;
        this.description = description;
    }

    /** Reads one pickle and returns its object. */
    public Object load() throws IOException {
        stack.clear();
        marks.clear();
        memo.clear();
        while (true) {
            int op = in.read();
            if (op < 0) {
                throw new EOFException(description + ": truncated pickle (no STOP opcode)");
            }
            switch (op) {
                case 0x80: // PROTO
                    readByte();
                    break;
                case 0x95: // FRAME
                    readBytes(8);
                    break;
                case '.': // STOP
                    if (stack.size() != 1) {
                        throw corrupt("stack holds " + stack.size() + " objects at STOP");
                    }
                    return stack.get(0);
                case '(': // MARK
                    marks.add(stack.size());
                    break;
                case '0': // POP
                    pop();
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    push((long) readInt32());
                    break;
                case 'K': // BININT1
                    push((long) readByte());
                    break;
                case 'M': // BININT2
                    push((long) (readByte() | (readByte() << 8)));
                    break;
                case 0x8a: // LONG1
                    push(readLong(readByte()));
                    break;
                case 0x8b: // LONG4
                    push(readLong(checkedLength(readInt32())));
                    break;
                case 'I': { // INT (text)
                    String s = readLine();
                    if (s.equals("00")) {
                        push(Boolean.FALSE);
                    } else if (s.equals("01")) {
                        push(Boolean.TRUE);
                    } else {
                        push(Long.parseLong(s));
                    }
                    break;
                }
                case 'L': { // LONG (text)
                    String s = readLine();
                    if (s.endsWith("L")) {
                        s = s.substring(0, s.length() - 1);
                    }
                    push(normalise(new BigInteger(s)));
                    break;
                }
                case 'G': // BINFLOAT (big-endian double)
                    push(Double.longBitsToDouble(readLongBE()));
                    break;
                case 'F': // FLOAT (text)
                    push(Double.parseDouble(readLine()));
                    break;
                case 'X': // BINUNICODE
                    push(new String(readBytes(checkedLength(readInt32())), StandardCharsets.UTF_8));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(new String(readBytes(readByte()), StandardCharsets.UTF_8));
                    break;
                case 0x8d: // BINUNICODE8
                    push(new String(readBytes(checkedLength(readInt64())), StandardCharsets.UTF_8));
                    break;
                case 'V': // UNICODE (raw-unicode-escape, text)
                    push(readLine());
                    break;
                case 'T': // BINSTRING (python 2 str)
                    push(new String(readBytes(checkedLength(readInt32())), StandardCharsets.ISO_8859_1));
                    break;
                case 'U': // SHORT_BINSTRING
                    push(new String(readBytes(readByte()), StandardCharsets.ISO_8859_1));
                    break;
                case 'S': { // STRING (quoted text)
                    String s = readLine();
                    if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"')) {
                        s = s.substring(1, s.length() - 1);
                    }
                    push(s);
                    break;
                }
                case 'B': // BINBYTES
                    push(readBytes(checkedLength(readInt32())));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(readBytes(readByte()));
                    break;
                case 0x8e: // BINBYTES8
                    push(readBytes(checkedLength(readInt64())));
                    break;
                case ')':
                    push(new PyTuple(List.of()));
                    break;
                case 't': // TUPLE
                    push(new PyTuple(popMark()));
                    break;
                case 0x85:
                    push(new PyTuple(popN(1)));
                    break;
                case 0x86:
                    push(new PyTuple(popN(2)));
                    break;
                case 0x87:
                    push(new PyTuple(popN(3)));
                    break;
                case ']':
                    push(new ArrayList<>());
                    break;
                case 'l': // LIST
                    push(new ArrayList<>(popMark()));
                    break;
                case '}':
                    push(new LinkedHashMap<>());
                    break;
                case 'd': { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> map = new LinkedHashMap<>();
                    putAll(map, items);
                    push(map);
                    break;
                }
                case 0x8f: // EMPTY_SET
                    push(new LinkedHashSet<>());
                    break;
                case 0x90: { // ADDITEMS
                    List<Object> items = popMark();
                    asSet(peek()).addAll(items);
                    break;
                }
                case 0x91: // FROZENSET
                    push(new LinkedHashSet<>(popMark()));
                    break;
                case 'a': { // APPEND
                    Object v = pop();
                    asList(peek()).add(v);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                    break;
                }
                case 's': { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(k, v);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark();
                    putAll(asMap(peek()), items);
                    break;
                }
                case 'p': // PUT
                    memo.put(Long.parseLong(readLine()), peek());
                    break;
                case 'q': // BINPUT
                    memo.put((long) readByte(), peek());
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(readInt32() & 0xffffffffL, peek());
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), peek());
                    break;
                case 'g':
                    push(memoGet(Long.parseLong(readLine())));
                    break;
                case 'h':
                    push(memoGet(readByte()));
                    break;
                case 'j':
                    push(memoGet(readInt32() & 0xffffffffL));
                    break;
                case 'c': { // GLOBAL
                    String module = readLine();
                    String name = readLine();
                    push(new PyGlobal(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    push(new PyGlobal(String.valueOf(module), String.valueOf(name)));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args));
                    break;
                }
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args));
                    break;
                }
                case 0x92: { // NEWOBJ_EX
                    pop(); // kwargs
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof PyObject) {
                        ((PyObject) target).setState(state);
                    } else if (target instanceof Map && state instanceof Map) {
                        asMap(target).putAll(asMap(state));
                    }
                    // other targets (e.g. an OrderedDict's empty state, tensor hooks): state ignored
                    break;
                }
                case 'P': // PERSID (text)
                    push(persistent(readLine()));
                    break;
                case 'Q': // BINPERSID
                    push(persistent(pop()));
                    break;
                default:
                    throw corrupt(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    private Object persistent(Object pid) {
        if (persistentLoad == null) {
            throw corrupt("persistent id without a loader: " + pid);
        }
        return persistentLoad.apply(pid);
    }

    private Object call(Object callable, Object args) {
        if (!(callable instanceof PyGlobal)) {
            throw corrupt("call of a non-global " + describe(callable));
        }
        if (!(args instanceof PyTuple)) {
            throw corrupt("call of " + callable + " with non-tuple arguments " + describe(args));
        }
        return reducer.call((PyGlobal) callable, (PyTuple) args);
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private void putAll(Map<Object, Object> map, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw corrupt("odd number of dict items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            map.put(items.get(i), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) {
        if (o instanceof List) {
            return (List<Object>) o;
        }
        if (o instanceof PyObject) {
            return ((PyObject) o).elements();
        }
        throw corrupt("APPEND to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) {
        if (o instanceof Map) {
            return (Map<Object, Object>) o;
        }
        if (o instanceof PyObject) {
            return ((PyObject) o).items();
        }
        throw corrupt("SETITEM on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private java.util.Set<Object> asSet(Object o) {
        if (o instanceof java.util.Set) {
            return (java.util.Set<Object>) o;
        }
        throw corrupt("ADDITEMS on " + describe(o));
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw corrupt("memo key " + key + " missing");
        }
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw corrupt("stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw corrupt("unexpected MARK");
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw corrupt("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) {
        if (stack.size() < n) {
            throw corrupt("stack underflow");
        }
        List<Object> sub = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw corrupt("no MARK on the stack");
        }
        int at = marks.remove(marks.size() - 1);
        if (at > stack.size()) {
            throw corrupt("MARK beyond the stack");
        }
        return popN(stack.size() - at);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException(description + ": truncated pickle");
        }
        return b;
    }

    private byte[] readBytes(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException(description + ": truncated pickle");
        }
        return b;
    }

    private int readInt32() throws IOException {
        byte[] b = readBytes(4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private long readInt64() throws IOException {
        byte[] b = readBytes(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    private long readLongBE() throws IOException {
        byte[] b = readBytes(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    private int checkedLength(long n) {
        if (n < 0 || n > Integer.MAX_VALUE - 16) {
            throw corrupt("implausible length " + n);
        }
        return (int) n;
    }

    private Object readLong(int n) throws IOException {
        if (n == 0) {
            return 0L;
        }
        byte[] le = readBytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return normalise(new BigInteger(be));
    }

    private static Object normalise(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = readByte();
            if (b == '\n') {
                break;
            }
            sb.append((char) b);
        }
        String s = sb.toString();
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private IllegalStateException corrupt(String what) {
        return new IllegalStateException(description + ": corrupt pickle: " + what);
    }
}
