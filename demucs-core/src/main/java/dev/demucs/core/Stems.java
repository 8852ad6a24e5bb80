package dev.demucs.core;

import dev.demucs.core.audio.AudioBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The result of an in-memory separation: named stems in order, each as long as the mix.
 *
 * @param names   stem names in output order
 * @param buffers one buffer per name, same order
 */
public record Stems(List<String> names, List<AudioBuffer> buffers) {

    public Stems {
        names = List.copyOf(names);
        buffers = List.copyOf(buffers);
        if (names.size() != buffers.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + buffers.size() + " buffers");
        }
    }

    /** The stem of that name. */
    public AudioBuffer get(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new NoSuchElementException("no stem '" + name + "'; stems are " + names);
        }
        return buffers.get(i);
    }

    public Map<String, AudioBuffer> asMap() {
        Map<String, AudioBuffer> map = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            map.put(names.get(i), buffers.get(i));
        }
        return map;
    }
}
