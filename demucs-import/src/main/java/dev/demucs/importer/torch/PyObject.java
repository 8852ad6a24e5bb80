package dev.demucs.importer.torch;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An instance of a Python class the reader does not interpret: its class, constructor arguments,
 * and the state set by {@code BUILD} ({@code __setstate__} or the instance dict).
 */
final class PyObject {
    private final PyGlobal type;
    private final PyTuple args;
    private Object state;
    private final Map<Object, Object> items = new LinkedHashMap<>();
    private final java.util.List<Object> elements = new java.util.ArrayList<>();

    public PyObject(PyGlobal type, PyTuple args) {
        this.type = type;
        this.args = args;
    }

    /** The class. */
    public PyGlobal type() {
        return type;
    }

    /** The constructor arguments. */
    public PyTuple args() {
        return args;
    }

    /** The state given by BUILD, or null. */
    public Object state() {
        return state;
    }

    void setState(Object state) {
        this.state = state;
    }

    /** Items set by SETITEM(S) (for dict subclasses). */
    public Map<Object, Object> items() {
        return items;
    }

    /** Elements added by APPEND(S) (for list subclasses). */
    public java.util.List<Object> elements() {
        return elements;
    }

    @Override
    public String toString() {
        return type + args.toString();
    }
}
