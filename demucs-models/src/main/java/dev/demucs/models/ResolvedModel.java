package dev.demucs.models;

import dev.demucs.core.model.ModelBag;
import java.util.Objects;

/**
 * A model that is ready to load: every file is on local disk, verified, and in ONNX form.
 *
 * @param name        the registry name, or the file name for a path
 * @param bag         the ONNX files with their per-stem weights (one member for a single model)
 * @param description a one-line human description (what it is, where the files are)
 */
public record ResolvedModel(String name, ModelBag bag, String description) {
    public ResolvedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bag, "bag");
        Objects.requireNonNull(description, "description");
    }
}
