package dev.demucs.core;

import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.StemSink;
import dev.demucs.core.engine.DemucsSeparator;
import dev.demucs.core.model.ModelBag;
import dev.demucs.core.model.ModelSpec;
import java.nio.file.Path;

/**
 * Separates a stereo mix into stems with a Demucs model (or a bag of models) on ONNX Runtime,
 * with upstream Demucs' numerics: whole-track normalisation, overlapping chunks with triangular
 * transition weights, seedable random shifts, bag weighting.
 *
 * <pre>{@code
 * try (Separator separator = Separator.open(Path.of("htdemucs.onnx"), SeparationOptions.defaults())) {
 *     Stems stems = separator.separate(AudioBuffer.of(44100, stereo));
 *     float[][] vocals = stems.get("vocals").data();
 * }
 * }</pre>
 *
 * <p>A separator is thread-safe: several threads may separate at once, sharing the cached
 * ONNX Runtime sessions. Closing it releases this separator's native buffers; the sessions stay
 * cached for other separators of the same model and device until
 * {@link dev.demucs.core.model.SessionCache#closeAll()}.
 */
public interface Separator extends AutoCloseable {

    /** Opens a separator for one ONNX model file. */
    static Separator open(Path onnxModel, SeparationOptions options) {
        return open(ModelBag.single(onnxModel), options);
    }

    /** Opens a separator for a bag of models. */
    static Separator open(ModelBag bag, SeparationOptions options) {
        return DemucsSeparator.open(bag, options);
    }

    /** What the model (or bag) is: sources, sample rate, segment. */
    ModelSpec model();

    SeparationOptions options();

    /** Output stem names, in order, for the options' stem selection. */
    java.util.List<String> outputStems();

    /**
     * Separates a mix held in memory. The mix must have the model's sample rate and 1 or 2
     * channels (mono is used for both channels).
     */
    default Stems separate(AudioBuffer mix) {
        return separate(mix, ProgressListener.NONE, Cancellation.NONE);
    }

    Stems separate(AudioBuffer mix, ProgressListener listener, Cancellation cancellation);

    /**
     * Separates a track of any length, holding only O(segment) audio: reads the input once for
     * the normalisation statistics and once to separate, and pushes stems to the sink as they
     * become final. The sink is completed on success and closed in every case.
     */
    void separate(AudioInput input, StemSink sink, ProgressListener listener, Cancellation cancellation);

    /** Releases this separator's native buffers; idempotent. */
    @Override
    void close();
}
