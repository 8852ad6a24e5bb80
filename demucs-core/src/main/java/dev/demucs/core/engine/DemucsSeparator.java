package dev.demucs.core.engine;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.model.ModelBag;

/** The ONNX Runtime implementation of {@link Separator}. (Being written: issue 2.) */
public final class DemucsSeparator {
    private DemucsSeparator() {
    }

    public static Separator open(ModelBag bag, SeparationOptions options) {
        throw new UnsupportedOperationException("engine not written yet");
    }
}
