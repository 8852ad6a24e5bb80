package dev.demucs.core.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.AudioIOException;
import dev.demucs.core.Cancellation;
import dev.demucs.core.DemucsException;
import dev.demucs.core.InferenceException;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.StemSelection;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.core.audio.StemSink;
import dev.demucs.core.dsp.DemucsStft;
import dev.demucs.core.dsp.Normalization;
import dev.demucs.core.dsp.TransitionWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One separation: the data flow of the engine.
 *
 * <pre>
 * pass 1   source → mono reference → Normalization (mean, std)             O(1) memory
 * plan     one Schedule per (model, shift); shift offsets from SplittableRandom(seed)
 * pass 2   source → InputWindow (ring) → chunk window, normalised, centre-padded
 *            → [two-input: DemucsStft.spec] → Slot (direct buffers)
 *            → inference thread: session.run with pinned outputs
 *            → [two-input: time + DemucsStft.ispec(freq)] → centre trim → OverlapAdd (per schedule)
 *            → frames no schedule will touch again: ÷ Σweight, shift average, bag weights,
 *              de-normalise, stem selection → StemSink
 * </pre>
 *
 * <p>The calling thread does all host work (reading, STFT, iSTFT, overlap-add, emission) while
 * one inference thread runs the model on the previously prepared batch: two slots per shape
 * alternate, so host work overlaps inference. Chunks of all schedules are taken in the order of
 * their window start, so all schedules advance together over the input and the rings stay
 * O(segment + shift) long. Listener events are all sent from the calling thread.
 */
final class SeparationRun {

    /** Frames per sink write. */
    static final int EMIT_BLOCK = 16_384;
    private static final int READ_BLOCK = 65_536;

    private final DemucsSeparator separator;
    private final ProgressListener listener;
    private final Cancellation cancellation;
    private final DemucsStft stft = new DemucsStft();
    private final List<String> outputNames;

    private List<Schedule> schedules;
    private Normalization norm;
    private long trackFrames;
    private long emitted;
    private int completed;
    private int totalChunks;
    private InputWindow window;
    private StemSink sink;
    private float[][][] block;
    private float[][][][] modelAverage;
    private float[][][] estimate;

    // Host-side work arrays, reused chunk to chunk.
    private float[][] waveHeap = new float[2][0];
    private float[] specHeap = new float[0];
    private float[] freqHeap = new float[0];
    private float[] ispecOut = new float[0];
    private float[][] chunkValues = new float[0][0];

    SeparationRun(DemucsSeparator separator, ProgressListener listener, Cancellation cancellation) {
        this.separator = separator;
        this.listener = listener;
        this.cancellation = cancellation;
        this.outputNames = separator.outputStems();
    }

    /** A batch of chunks of one model, in one slot. */
    private static final class Batch {
        final ModelRunner runner;
        Slot slot;
        final List<Schedule> schedules = new ArrayList<>();
        final List<Integer> chunks = new ArrayList<>();
        Future<?> future;

        Batch(ModelRunner runner, Slot slot) {
            this.runner = runner;
            this.slot = slot;
        }

        int size() {
            return chunks.size();
        }
    }

    void run(AudioInput input, StemSink target) {
        boolean started = false;
        Throwable error = null;
        try (StemSink s = target) {
            this.sink = s;
            if (separator.device().fellBack()) {
                listener.onDeviceFallback(separator.device().device(), separator.device().fallbackReason());
            }
            norm = firstPass(input);
            trackFrames = norm.frames();
            plan();
            listener.onSeparationStart(totalChunks, trackFrames);
            started = true;
            sink.begin(outputNames, separator.model().sampleRate(), 2);
            secondPass(input);
            sink.complete();
        } catch (SeparationCancelledException e) {
            error = e;
            throw e;
        } catch (RuntimeException e) {
            error = cancellation.isCancelled() ? new SeparationCancelledException("separation cancelled", e) : e;
            throw (RuntimeException) error;
        } catch (Error e) {
            error = e;
            throw e;
        } finally {
            if (started) {
                listener.onSeparationEnd(error);
            }
        }
    }

    private void checkFormat(AudioSource source, AudioInput input) {
        int rate = separator.model().sampleRate();
        if (source.sampleRate() != rate) {
            throw new IllegalArgumentException("input " + input.description() + " has a sample rate of " + source.sampleRate()
                    + " Hz but the model needs " + rate + " Hz; resample it first");
        }
        if (source.channels() < 1) {
            throw new AudioIOException("input " + input.description() + " has no audio channel");
        }
    }

    private Normalization firstPass(AudioInput input) {
        Normalization.Accumulator acc = new Normalization.Accumulator();
        try (AudioSource source = input.open()) {
            checkFormat(source, input);
            float[][] buffer = new float[source.channels()][READ_BLOCK];
            int n;
            while ((n = source.read(buffer, 0, READ_BLOCK)) >= 0) {
                cancellation.throwIfCancelled();
                acc.add(buffer[0], buffer.length > 1 ? buffer[1] : buffer[0], 0, n);
            }
        }
        return acc.result();
    }

    private void plan() {
        var options = separator.options();
        int shiftCount = Math.max(1, options.shifts());
        int maxShift = (int) (0.5 * separator.model().sampleRate());
        SplittableRandom random = new SplittableRandom(options.seed());
        schedules = new ArrayList<>();
        for (ModelRunner runner : separator.runners()) {
            int segment = separator.chunkSamples(runner);
            int stride = (int) ((1 - options.overlap()) * segment);
            float[] weights = TransitionWeights.of(segment, options.transitionPower());
            for (int j = 0; j < shiftCount; j++) {
                long delta = options.shifts() > 0 ? random.nextInt(maxShift + 1) - maxShift : 0;
                Schedule s = new Schedule(schedules.size(), runner, j, delta, trackFrames, segment, stride, weights);
                schedules.add(s);
                totalChunks += s.chunkCount;
            }
        }
        int stems = separator.model().sources().size();
        modelAverage = new float[separator.runners().size()][stems][2][EMIT_BLOCK];
        estimate = new float[stems][2][EMIT_BLOCK];
        block = new float[outputNames.size()][2][EMIT_BLOCK];
    }

    private void secondPass(AudioInput input) {
        if (trackFrames == 0) {
            return;
        }
        ExecutorService inference = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "demucs-inference");
            t.setDaemon(true);
            return t;
        });
        OrtSession.RunOptions runOptions;
        try {
            runOptions = new OrtSession.RunOptions();
        } catch (OrtException e) {
            inference.shutdown();
            throw new InferenceException("cannot create ONNX Runtime run options: " + e.getMessage(), e);
        }
        AutoCloseable hook = cancellation == Cancellation.NONE ? null : cancellation.onCancel(() -> terminate(runOptions));
        Batch running = null;
        Batch prepared = null;
        boolean failed = true;
        try (AudioSource source = input.open()) {
            checkFormat(source, input);
            int longest = schedules.stream().mapToInt(s -> s.runner.spec.segmentSamples()).max().orElse(0);
            long span = Math.min(2L * longest + 2 * 22_050 + READ_BLOCK, trackFrames + 1);
            window = new InputWindow(source, input.description(), trackFrames, (int) span);
            while (true) {
                cancellation.throwIfCancelled();
                prepared = prepare();
                if (running != null) {
                    await(running);
                }
                if (prepared != null) {
                    submit(prepared, inference, runOptions);
                }
                if (running != null) {
                    post(running);
                    separator.pool().giveBack(running.slot);
                    running.slot = null;
                    emit();
                }
                running = prepared;
                prepared = null;
                if (running == null) {
                    break;
                }
            }
            emit();
            if (emitted != trackFrames) {
                throw new IllegalStateException("emitted " + emitted + " of " + trackFrames + " frames");
            }
            window.requireEnd();
            failed = false;
        } finally {
            if (failed) {
                terminate(runOptions);
            }
            for (Batch b : new Batch[]{running, prepared}) {
                if (b != null) {
                    if (b.future != null) {
                        awaitQuietly(b.future);
                    }
                    if (b.slot != null) {
                        separator.pool().giveBack(b.slot);
                    }
                }
            }
            inference.shutdown();
            if (hook != null) {
                try {
                    hook.close();
                } catch (Exception e) {
                    // removing a hook from a list cannot fail
                }
            }
            runOptions.close();
        }
    }

    private static void terminate(OrtSession.RunOptions runOptions) {
        try {
            runOptions.setTerminate(true);
        } catch (OrtException | IllegalStateException e) {
            // already closed: nothing is running
        }
    }

    private static void awaitQuietly(Future<?> future) {
        boolean interrupted = false;
        while (true) {
            try {
                future.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | RuntimeException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The schedule whose next chunk's window starts first (ties: lower schedule index), or null. */
    private Schedule pickNext() {
        Schedule best = null;
        long bestStart = Long.MAX_VALUE;
        for (Schedule s : schedules) {
            if (s.hasUnprepared()) {
                long ws = s.windowStart(s.nextPrepared);
                if (ws < bestStart) {
                    best = s;
                    bestStart = ws;
                }
            }
        }
        return best;
    }

    /** Fills a slot with the next chunks (one model, up to its batch capacity), or returns null when none is left. */
    private Batch prepare() {
        Schedule first = pickNext();
        if (first == null) {
            return null;
        }
        ModelRunner runner = first.runner;
        Batch batch = new Batch(runner, separator.pool().borrow(runner.shape));
        try {
            while (batch.size() < runner.batchCapacity) {
                Schedule s = pickNext();
                if (s == null || s.runner != runner) {
                    break;
                }
                int i = s.nextPrepared++;
                fill(batch, batch.size(), s, i);
                batch.schedules.add(s);
                batch.chunks.add(i);
            }
        } catch (RuntimeException e) {
            separator.pool().giveBack(batch.slot);
            throw e;
        }
        long keep = emitted;
        for (Schedule s : schedules) {
            keep = Math.min(keep, s.lowestPendingWindowStart());
        }
        window.release(keep);
        return batch;
    }

    private void fill(Batch batch, int bi, Schedule s, int chunk) {
        ModelRunner r = batch.runner;
        int length = r.spec.segmentSamples();
        if (waveHeap[0].length < length) {
            waveHeap = new float[2][length];
        }
        window.window(s.windowStart(chunk), s.segment, norm, waveHeap, 0);
        for (int c = 0; c < 2; c++) {
            java.util.Arrays.fill(waveHeap[c], s.segment, length, 0f);
            batch.slot.wave.put(bi * 2 * length + c * length, waveHeap[c], 0, length);
        }
        if (r.twoInput()) {
            int plane = DemucsStft.BINS * r.spec.spectrogramFrames();
            if (specHeap.length < 4 * plane) {
                specHeap = new float[4 * plane];
            }
            for (int c = 0; c < 2; c++) {
                stft.spec(waveHeap[c], 0, length, specHeap, 2 * c * plane, (2 * c + 1) * plane);
            }
            batch.slot.spec.put(bi * 4 * plane, specHeap, 0, 4 * plane);
        }
    }

    private void submit(Batch batch, ExecutorService inference, OrtSession.RunOptions runOptions) {
        for (int b = 0; b < batch.size(); b++) {
            listener.onChunkStart(progress(batch.schedules.get(b), batch.chunks.get(b)));
        }
        Slot slot = batch.slot;
        int size = batch.size();
        batch.future = inference.submit(() -> {
            batch.runner.run(slot, size, runOptions);
            return null;
        });
    }

    private void await(Batch batch) {
        try {
            batch.future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SeparationCancelledException("separation interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cancellation.isCancelled()) {
                throw new SeparationCancelledException("separation cancelled", cause);
            }
            if (cause instanceof DemucsException d) {
                throw d;
            }
            throw new InferenceException("inference failed on model " + batch.runner.spec.path() + ": "
                    + cause.getMessage(), cause);
        }
    }

    private ProgressListener.ChunkProgress progress(Schedule s, int chunk) {
        return new ProgressListener.ChunkProgress(chunk, s.chunkCount, s.runner.index, separator.runners().size(),
                s.shiftIndex, Math.max(1, separator.options().shifts()), completed, totalChunks);
    }

    /** Turns the batch's model outputs into stems and adds them to their schedules' overlap-add. */
    private void post(Batch batch) {
        ModelRunner r = batch.runner;
        int length = r.spec.segmentSamples();
        int stems = r.spec.sources().size();
        int plane = DemucsStft.BINS * r.spec.spectrogramFrames();
        if (chunkValues.length < 2 * stems || chunkValues[0].length < length) {
            chunkValues = new float[2 * stems][length];
        }
        if (r.twoInput()) {
            if (freqHeap.length < 4 * plane) {
                freqHeap = new float[4 * plane];
            }
            if (ispecOut.length < length) {
                ispecOut = new float[length];
            }
        }
        for (int b = 0; b < batch.size(); b++) {
            Schedule s = batch.schedules.get(b);
            int chunk = batch.chunks.get(b);
            int n = s.chunkFrames(chunk);
            int trim = s.trimLeft(chunk);
            for (int k = 0; k < stems; k++) {
                if (r.twoInput()) {
                    batch.slot.freq.get((b * stems + k) * 4 * plane, freqHeap, 0, 4 * plane);
                }
                for (int c = 0; c < 2; c++) {
                    float[] v = chunkValues[k * 2 + c];
                    batch.slot.time.get(((b * stems + k) * 2 + c) * length + trim, v, 0, n);
                    if (r.twoInput()) {
                        stft.ispec(freqHeap, 2 * c * plane, (2 * c + 1) * plane, length, ispecOut, 0);
                        for (int t = 0; t < n; t++) {
                            v[t] += ispecOut[trim + t];
                        }
                    }
                }
            }
            long x0 = s.chunkOffset(chunk) + s.delta;
            int skip = x0 < 0 ? (int) Math.min(n, -x0) : 0;
            s.overlapAdd.add(x0 + skip, n - skip, chunkValues, skip, s.weights, skip);
            s.nextPosted = chunk + 1;
            completed++;
            listener.onChunkEnd(progress(s, chunk));
        }
    }

    /** Writes every frame that no schedule will touch again to the sink. */
    private void emit() {
        long upTo = trackFrames;
        for (Schedule s : schedules) {
            upTo = Math.min(upTo, s.finalUpTo());
        }
        int stems = separator.model().sources().size();
        int models = separator.runners().size();
        int shiftCount = Math.max(1, separator.options().shifts());
        StemSelection selection = separator.options().stems();
        List<String> sources = separator.model().sources();
        float scale = norm.scale();
        float offset = norm.offset();
        float[] totals = separator.weightTotals();
        while (emitted < upTo) {
            int n = (int) Math.min(EMIT_BLOCK, upTo - emitted);
            for (float[][][] avg : modelAverage) {
                for (float[][] a : avg) {
                    java.util.Arrays.fill(a[0], 0, n, 0f);
                    java.util.Arrays.fill(a[1], 0, n, 0f);
                }
            }
            for (Schedule s : schedules) {
                float[][][] avg = modelAverage[s.runner.index];
                for (int k = 0; k < stems; k++) {
                    for (int c = 0; c < 2; c++) {
                        float[] a = avg[k][c];
                        for (int f = 0; f < n; f++) {
                            a[f] += s.overlapAdd.value(k, c, emitted + f);
                        }
                    }
                }
            }
            for (int k = 0; k < stems; k++) {
                for (int c = 0; c < 2; c++) {
                    float[] e = estimate[k][c];
                    java.util.Arrays.fill(e, 0, n, 0f);
                    for (int m = 0; m < models; m++) {
                        float[] a = modelAverage[m][k][c];
                        float w = separator.runners().get(m).weights[k];
                        for (int f = 0; f < n; f++) {
                            e[f] += a[f] / shiftCount * w;
                        }
                    }
                    for (int f = 0; f < n; f++) {
                        e[f] = (e[f] / totals[k]) * scale + offset;
                    }
                }
            }
            for (int o = 0; o < outputNames.size(); o++) {
                String name = outputNames.get(o);
                int k = sources.indexOf(name);
                for (int c = 0; c < 2; c++) {
                    float[] dst = block[o][c];
                    if (k >= 0) {
                        System.arraycopy(estimate[k][c], 0, dst, 0, n);
                    } else if (selection.complement() == StemSelection.Complement.MINUS) {
                        float[] stem = estimate[sources.indexOf(selection.twoStem())][c];
                        window.fill(emitted + n);
                        for (int f = 0; f < n; f++) {
                            dst[f] = window.sample(c, emitted + f) - stem[f];
                        }
                    } else {
                        java.util.Arrays.fill(dst, 0, n, 0f);
                        for (int j = 0; j < stems; j++) {
                            if (!sources.get(j).equals(selection.twoStem())) {
                                float[] other = estimate[j][c];
                                for (int f = 0; f < n; f++) {
                                    dst[f] += other[f];
                                }
                            }
                        }
                    }
                }
            }
            sink.write(block, n);
            emitted += n;
        }
        for (Schedule s : schedules) {
            s.overlapAdd.release(emitted);
        }
    }
}
