package dev.demucs.importer.graph;

import dev.demucs.core.InvalidModelException;
import dev.demucs.importer.torch.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's state dict that checks every tensor is consumed exactly once and has the shape the
 * architecture expects. Errors are {@link InvalidModelException}s naming the file and the key.
 */
public final class StateDict {
    private final Map<String, Tensor> remaining;
    private final String file;
    private final int total;
    private final long parameterCount;

    /**
     * @param tensors the state dict (name → tensor)
     * @param file    names the checkpoint in errors
     */
    public StateDict(Map<String, Tensor> tensors, String file) {
        this.remaining = new LinkedHashMap<>(tensors);
        this.file = file;
        this.total = tensors.size();
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size();
        }
        this.parameterCount = n;
    }

    /** Whether {@code key} is present and not yet consumed. */
    public boolean has(String key) {
        return remaining.containsKey(key);
    }

    /**
     * Consumes {@code key}, checking its shape.
     *
     * @throws InvalidModelException when the key is missing (or already consumed) or its shape differs
     */
    public Tensor take(String key, long... shape) {
        Tensor t = remaining.remove(key);
        if (t == null) {
            throw new InvalidModelException(file + ": missing state-dict tensor '" + key + "' (expected shape "
                    + Arrays.toString(shape) + ") for the architecture its kwargs describe");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new InvalidModelException(file + ": state-dict tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + " but the architecture its kwargs describe needs " + Arrays.toString(shape));
        }
        return t;
    }

    /** Keys not consumed so far. */
    public List<String> unused() {
        return List.copyOf(remaining.keySet());
    }

    /** Number of scalar parameters in the whole dict. */
    public long parameterCount() {
        return parameterCount;
    }

    /** Number of tensors the dict started with. */
    public int size() {
        return total;
    }

    /**
     * @throws InvalidModelException naming the keys the architecture did not use
     */
    public void requireAllConsumed() {
        if (!remaining.isEmpty()) {
            List<String> keys = unused();
            String shown = String.join(", ", keys.subList(0, Math.min(8, keys.size())));
            throw new InvalidModelException(file + ": " + keys.size() + " state-dict tensor(s) not used by the architecture its kwargs describe: "
                    + shown + (keys.size() > 8 ? ", …" : ""));
        }
    }
}
