package dev.demucs.importer.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Python tuple (immutable; null elements allowed for None).
 *
 * @param items the elements
 */
public record PyTuple(List<Object> items) {
    public PyTuple {
        items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    /** The element at {@code index}. */
    public Object get(int index) {
        return items.get(index);
    }

    /** The number of elements. */
    public int size() {
        return items.size();
    }

    @Override
    public String toString() {
        return "(" + String.join(", ", items.stream().map(String::valueOf).toList()) + ")";
    }
}
