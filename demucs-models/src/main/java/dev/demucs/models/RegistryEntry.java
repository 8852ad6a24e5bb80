package dev.demucs.models;

import java.util.List;
import java.util.Objects;

/**
 * A named model of the registry: one file (a single model) or several (a bag).
 *
 * @param name        the name users type ({@code --model htdemucs})
 * @param description one line for people
 * @param sources     the stems, in the model's output order
 * @param sampleRate  Hz
 * @param files       the files, in bag order
 * @param catalogue   where the entry was defined (the built-in resource or a user file)
 */
public record RegistryEntry(String name, String description, List<String> sources, int sampleRate,
                            List<RegistryFile> files, String catalogue) {
    public RegistryEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        sources = List.copyOf(sources);
        files = List.copyOf(files);
        Objects.requireNonNull(catalogue, "catalogue");
    }

    /** The sum of the files' sizes, or -1 when any size is unknown. */
    public long sizeBytes() {
        long total = 0;
        for (RegistryFile f : files) {
            if (f.sizeBytes() < 0) {
                return -1;
            }
            total += f.sizeBytes();
        }
        return total;
    }
}
