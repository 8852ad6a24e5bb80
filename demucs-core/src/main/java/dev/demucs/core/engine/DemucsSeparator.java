package dev.demucs.core.engine;

import dev.demucs.core.Cancellation;
import dev.demucs.core.Device;
import dev.demucs.core.DeviceInUse;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.StemSink;
import dev.demucs.core.model.ModelBag;
import dev.demucs.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The ONNX Runtime implementation of {@link Separator}, with upstream Demucs' numerics (v4
 * {@code apply_model}): whole-track normalisation, random shifts drawn from
 * {@code new SplittableRandom(seed).nextInt(22051)} (model 0's shifts first, then model 1's …),
 * overlapping chunks with triangular transition weights, centre padding from real neighbouring
 * samples, centre trimming, per-shift normalisation by the weight sum, bag weighting.
 *
 * <pre>{@code
 * SeparationOptions options = SeparationOptions.builder().shifts(2).build();
 * try (Separator separator = Separator.open(ModelBag.single(Path.of("htdemucs.onnx")), options)) {
 *     Stems stems = separator.separate(AudioBuffer.of(44100, stereo));
 *     // or, for a track of any length in O(segment) memory:
 *     separator.separate(input, sink, ProgressListener.NONE, Cancellation.NONE);
 * }
 * }</pre>
 *
 * <p>Both forms run the same engine ({@link SeparationRun}); the in-memory form is the streaming
 * form over an in-memory input and sink, so on the same mix they give bit-identical stems.
 * Thread-safe: concurrent separations share the pooled sessions and get their own buffers.
 */
final class DemucsSeparator implements Separator {

    private final ModelSpec model;
    private final SeparationOptions options;
    private final List<ModelRunner> runners;
    private final List<String> outputStems;
    private final float[] weightTotals;
    private final int[] chunkSamples;
    private final DeviceInUse device;
    private final OrtSessionPool sessions;
    private final SlotPool pool = new SlotPool();
    private volatile boolean closed;

    private DemucsSeparator(ModelBag bag, SeparationOptions options, OrtSessionPool sessions, List<ModelRunner> list) {
        this.options = Objects.requireNonNull(options, "options");
        this.sessions = sessions;
        String reason = null;
        Device used = null;
        for (ModelBag.Member member : bag.members()) {
            OrtSessionPool.Acquired acquired = sessions.acquire(member.onnx(), options.device(), options.intraOpThreads(),
                    options.cuda());
            PooledSession entry = acquired.session();
            ModelSpec spec = entry.spec();
            float[] w = member.weights();
            if (w == null) {
                w = new float[spec.sources().size()];
                Arrays.fill(w, 1f);
            }
            // added to the list before any check, so that a failed open releases it
            ModelRunner runner = new ModelRunner(list.size(), entry, w, options.maxBatchOn(entry.device().kind()));
            list.add(runner);
            if (w.length != spec.sources().size()) {
                throw new InvalidModelException("bag member " + member.onnx() + " has " + w.length + " weights for "
                        + spec.sources().size() + " stems " + spec.sources());
            }
            if (list.size() > 1) {
                ModelSpec first = list.get(0).spec;
                if (!first.sources().equals(spec.sources()) || first.sampleRate() != spec.sampleRate()) {
                    throw new InvalidModelException("bag members disagree: " + first.path() + " has " + first.sources() + " at "
                            + first.sampleRate() + " Hz but " + member.onnx() + " has " + spec.sources() + " at "
                            + spec.sampleRate() + " Hz");
                }
            }
            if (reason == null) {
                reason = acquired.fallbackReason();
            }
            used = entry.device();
        }
        this.runners = List.copyOf(list);
        this.model = runners.get(0).spec;
        this.device = new DeviceInUse(used, reason);
        int stems = model.sources().size();
        weightTotals = new float[stems];
        for (ModelRunner r : runners) {
            for (int k = 0; k < stems; k++) {
                weightTotals[k] += r.weights[k];
            }
        }
        for (int k = 0; k < stems; k++) {
            if (!(weightTotals[k] > 0)) {
                throw new InvalidModelException("the bag's weights for stem '" + model.sources().get(k) + "' add up to "
                        + weightTotals[k] + "; every stem needs a positive total");
            }
        }
        this.outputStems = options.stems().outputNames(model.sources());
        chunkSamples = new int[runners.size()];
        for (ModelRunner r : runners) {
            int segment = r.spec.segmentSamples();
            if (options.segmentSeconds().isPresent()) {
                double seconds = options.segmentSeconds().getAsDouble();
                int override = (int) Math.floor(seconds * r.spec.sampleRate() + 1e-6);
                if (override > segment) {
                    throw new IllegalArgumentException("segmentSeconds " + seconds + " (" + override + " samples) exceeds the segment of model "
                            + r.spec.path() + " (" + segment + " samples, " + r.spec.segmentSeconds() + " s)");
                }
                if (override < 1) {
                    throw new IllegalArgumentException("segmentSeconds " + seconds + " is shorter than one sample");
                }
                segment = override;
            }
            int stride = (int) ((1 - options.overlap()) * segment);
            if (stride < 1) {
                throw new IllegalArgumentException("overlap " + options.overlap() + " leaves no stride for a segment of "
                        + segment + " samples");
            }
            chunkSamples[r.index] = segment;
        }
    }

    /**
     * Opens a separator: loads (or reuses) the sessions of every bag member and checks that the
     * members agree and that the options fit the model.
     *
     * @throws dev.demucs.core.ModelNotFoundException when a model file is missing
     * @throws InvalidModelException                  when a model is not a usable Demucs model or the bag is inconsistent
     * @throws dev.demucs.core.InferenceException     when an explicit CUDA device cannot be used
     * @throws IllegalArgumentException               when the options do not fit the model (segment, stems)
     */
    static Separator open(ModelBag bag, SeparationOptions options, OrtSessionPool sessions) {
        List<ModelRunner> acquired = new ArrayList<>();
        try {
            return new DemucsSeparator(bag, options, sessions, acquired);
        } catch (RuntimeException | Error e) {
            for (ModelRunner r : acquired) {
                sessions.release(r.entry);
            }
            throw e;
        }
    }

    @Override
    public ModelSpec model() {
        return model;
    }

    @Override
    public SeparationOptions options() {
        return options;
    }

    @Override
    public List<String> outputStems() {
        return outputStems;
    }

    @Override
    public DeviceInUse device() {
        return device;
    }

    @Override
    public Stems separate(AudioBuffer mix, ProgressListener listener, Cancellation cancellation) {
        Objects.requireNonNull(mix, "mix");
        if (mix.sampleRate() != model.sampleRate()) {
            throw new IllegalArgumentException("the mix has a sample rate of " + mix.sampleRate() + " Hz but the model needs "
                    + model.sampleRate() + " Hz; resample it first");
        }
        ArraySink sink = new ArraySink(outputStems.size(), mix.frames());
        separate(mix.asInput(), sink, listener, cancellation);
        float[][][] data = sink.data();
        List<AudioBuffer> buffers = new ArrayList<>();
        for (float[][] stem : data) {
            buffers.add(AudioBuffer.of(model.sampleRate(), stem));
        }
        return new Stems(outputStems, buffers);
    }

    @Override
    public void separate(AudioInput input, StemSink sink, ProgressListener listener, Cancellation cancellation) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(sink, "sink");
        if (closed) {
            sink.close();
            throw new IllegalStateException("separator closed");
        }
        int begun = 0;
        try {
            for (ModelRunner r : runners) {
                r.entry.beginRun();
                begun++;
            }
        } catch (IllegalStateException e) {
            sink.close();
            endRuns(begun);
            throw e;
        }
        try {
            new SeparationRun(this, listener == null ? ProgressListener.NONE : listener,
                    cancellation == null ? Cancellation.NONE : cancellation).run(input, sink);
        } finally {
            endRuns(begun);
        }
    }

    private void endRuns(int begun) {
        for (int i = 0; i < begun; i++) {
            sessions.endRun(runners.get(i).entry);
        }
    }

    /**
     * Releases this separator's native buffers and its hold on the pooled sessions; idempotent. The
     * sessions stay in the pool for other separators of the same model and device.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        pool.close();
        for (ModelRunner r : runners) {
            sessions.release(r.entry);
        }
    }

    /** Open tensors of this separator (leak checks in tests). */
    int openTensors() {
        return pool.openTensors();
    }

    List<ModelRunner> runners() {
        return runners;
    }

    SlotPool pool() {
        return pool;
    }

    float[] weightTotals() {
        return weightTotals;
    }

    int chunkSamples(ModelRunner runner) {
        return chunkSamples[runner.index];
    }

    @Override
    public String toString() {
        return "DemucsSeparator{" + runners.size() + " model(s), " + model.sources() + ", " + device + ", " + options + "}";
    }
}
