package dev.demucs.job;

import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.StemSink;
import java.util.ArrayList;
import java.util.List;

/**
 * The stems upstream Demucs writes, passed on to another sink: every stem of the model, or with a
 * two-stem stem that stem and its complement {@code no_<stem>} made by the job's other method
 * ({@link Complement}; none with {@code none}). Not thread-safe: one producer.
 */
final class StemChoiceSink implements StemSink {

    private final StemSink target;
    private final String twoStem;
    private final Complement complement;
    private int[] indexes;
    private float[][][] chosen;

    /**
     * @param twoStem {@code null} = every stem
     * @param mix     the separator's input (read again by other method minus)
     */
    StemChoiceSink(StemSink target, String twoStem, JobSpec.OtherMethod method, AudioInput mix) {
        this.target = target;
        this.twoStem = twoStem;
        this.complement = twoStem == null || method == JobSpec.OtherMethod.NONE ? null : new Complement(method, twoStem, mix);
    }

    /** The stems written for a model with these sources. */
    static List<String> names(List<String> sources, String twoStem, JobSpec.OtherMethod method) {
        List<String> names = new ArrayList<>();
        if (twoStem == null) {
            for (String s : sources) {
                if (!s.startsWith("no_")) {
                    names.add(s);
                }
            }
        } else {
            names.add(twoStem);
            if (method != JobSpec.OtherMethod.NONE) {
                names.add("no_" + twoStem);
            }
        }
        return names;
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        List<String> names = names(stems, twoStem, complement == null ? JobSpec.OtherMethod.NONE : JobSpec.OtherMethod.ADD);
        List<Integer> idx = new ArrayList<>();
        for (String n : names) {
            idx.add(stems.indexOf(n)); // -1: the complement
        }
        if (idx.get(0) < 0) {
            throw new IllegalStateException("the separator does not produce '" + names.get(0) + "': " + stems);
        }
        indexes = idx.stream().mapToInt(Integer::intValue).toArray();
        if (complement != null) {
            indexes[indexes.length - 1] = -1;
            complement.begin(stems, channels);
        }
        chosen = new float[indexes.length][][];
        target.begin(names, sampleRate, channels);
    }

    @Override
    public void write(float[][][] block, int frames) {
        for (int k = 0; k < indexes.length; k++) {
            chosen[k] = indexes[k] >= 0 ? block[indexes[k]] : complement.of(block, 0, frames);
        }
        target.write(chosen, frames);
    }

    @Override
    public void complete() {
        target.complete();
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            if (complement != null) {
                complement.close();
            }
        }
    }
}
