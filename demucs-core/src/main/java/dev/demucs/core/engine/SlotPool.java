package dev.demucs.core.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The slots of one separator, reused from chunk to chunk and from separation to separation. A
 * run borrows (at most two per shape: one being filled while the other is in inference) and
 * returns them; concurrent separations on one separator get slots of their own. Thread-safe.
 */
final class SlotPool implements AutoCloseable {

    private final Map<Slot.Shape, Deque<Slot>> idle = new HashMap<>();
    private final List<Slot> all = new ArrayList<>();
    private boolean closed;

    synchronized Slot borrow(Slot.Shape shape) {
        if (closed) {
            throw new IllegalStateException("separator closed");
        }
        Deque<Slot> free = idle.get(shape);
        if (free != null && !free.isEmpty()) {
            return free.pop();
        }
        Slot slot = new Slot(shape);
        all.add(slot);
        return slot;
    }

    synchronized void giveBack(Slot slot) {
        if (closed) {
            slot.close();
            all.remove(slot);
            return;
        }
        idle.computeIfAbsent(slot.shape, s -> new ArrayDeque<>()).push(slot);
    }

    /** Closes idle slots now and borrowed ones when they come back; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Deque<Slot> d : idle.values()) {
            d.forEach(Slot::close);
        }
        idle.clear();
        all.removeIf(s -> s.openTensors() == 0);
    }

    /** Open tensors over every slot ever made (leak checks). */
    synchronized int openTensors() {
        return all.stream().mapToInt(Slot::openTensors).sum();
    }
}
