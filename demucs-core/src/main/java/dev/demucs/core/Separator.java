package dev.demucs.core;

import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.StemSink;
import dev.demucs.core.engine.Engine;
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
 * <p>A separator is thread-safe: several threads may separate at once, sharing the pooled
 * ONNX Runtime sessions. Closing it releases this separator's native buffers and its hold on the
 * sessions, which stay in their {@link SessionPool} for other separators of the same model and
 * device until the pool is closed (an application that wants to release them opens its
 * separators on a pool of its own: {@link #open(ModelBag, SeparationOptions, SessionPool)}).
 */
public interface Separator extends AutoCloseable {

    /** Opens a separator for one ONNX model file, with sessions from {@link SessionPool#shared()}. */
    static Separator open(Path onnxModel, SeparationOptions options) {
        return open(ModelBag.single(onnxModel), options);
    }

    /** Opens a separator for a bag of models, with sessions from {@link SessionPool#shared()}. */
    static Separator open(ModelBag bag, SeparationOptions options) {
        return open(bag, options, SessionPool.shared());
    }

    /** Opens a separator for one ONNX model file, with sessions from the given pool. */
    static Separator open(Path onnxModel, SeparationOptions options, SessionPool pool) {
        return open(ModelBag.single(onnxModel), options, pool);
    }

    /**
     * Opens a separator for a bag of models: loads (or reuses) the session of every member in the
     * pool and checks that the members agree and that the options fit the model.
     *
     * @throws ModelNotFoundException   when a model file is missing
     * @throws InvalidModelException    when a model is not a usable Demucs model or the bag is inconsistent
     * @throws InferenceException       when an explicit CUDA device cannot be used
     * @throws IllegalArgumentException when the options do not fit the model (segment, stems)
     * @throws IllegalStateException    when the pool is closed
     */
    static Separator open(ModelBag bag, SeparationOptions options, SessionPool pool) {
        return Engine.open(bag, options, pool);
    }

    /** What the model (or bag) is: sources, sample rate, segment. */
    ModelSpec model();

    SeparationOptions options();

    /**
     * The device the model runs on (what {@link Device#auto()} resolved to) and, when auto fell
     * back to the CPU, why.
     */
    DeviceInUse device();

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
