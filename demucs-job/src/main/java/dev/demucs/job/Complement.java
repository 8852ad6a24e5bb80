package dev.demucs.job;

import dev.demucs.core.InferenceException;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The complement of the two-stem stem, block by block, by upstream's {@code --other-method}:
 * {@code add} = the separator's {@code no_<stem>} output when it has one, else the sum of every
 * other stem; {@code minus} = the mix minus the stem, the mix read from a second pass over the
 * separator's input in step with the stems. ({@code none} has no complement: callers do not make
 * one.) One instance per separation; not thread-safe.
 */
final class Complement implements AutoCloseable {

    private final JobSpec.OtherMethod method;
    private final String twoStem;
    private final AudioInput mixInput;

    private int channels;
    private int twoIndex;
    private int complementIndex;
    private int[] sumIndexes;
    private AudioSource mix;
    private float[][] buffer = new float[0][0];
    private float[][] mixBuffer = new float[0][0];

    /**
     * @param mixInput the separator's input (read again for {@code minus}; may be null otherwise)
     */
    Complement(JobSpec.OtherMethod method, String twoStem, AudioInput mixInput) {
        if (method == JobSpec.OtherMethod.NONE) {
            throw new IllegalArgumentException("other method none has no complement");
        }
        this.method = method;
        this.twoStem = twoStem;
        this.mixInput = mixInput;
    }

    /** Finds the stems the complement is made of; opens the mix for {@code minus}. */
    void begin(List<String> stems, int channels) {
        this.channels = channels;
        twoIndex = stems.indexOf(twoStem);
        if (twoIndex < 0) {
            throw new IllegalStateException("the separator does not produce '" + twoStem + "': " + stems);
        }
        complementIndex = stems.indexOf("no_" + twoStem);
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < stems.size(); i++) {
            if (i != twoIndex && !stems.get(i).startsWith("no_")) {
                others.add(i);
            }
        }
        sumIndexes = others.stream().mapToInt(Integer::intValue).toArray();
        if (method == JobSpec.OtherMethod.MINUS) {
            mix = mixInput.open();
            if (mix.channels() != channels) {
                throw new IllegalStateException("the mix has " + mix.channels() + " channels, the stems " + channels);
            }
        }
    }

    /** The complement of frames [offset, offset+n) of the block, in frames [0, n) of the array returned. */
    float[][] of(float[][][] block, int offset, int n) {
        if (buffer.length != channels || buffer[0].length < n) {
            buffer = new float[channels][Math.max(n, 4096)];
        }
        if (method == JobSpec.OtherMethod.MINUS) {
            float[][] m = readMix(n);
            for (int c = 0; c < channels; c++) {
                float[] stem = block[twoIndex][c];
                for (int i = 0; i < n; i++) {
                    buffer[c][i] = m[c][i] - stem[offset + i];
                }
            }
        } else if (complementIndex >= 0) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(block[complementIndex][c], offset, buffer[c], 0, n);
            }
        } else {
            for (int c = 0; c < channels; c++) {
                float[] out = buffer[c];
                Arrays.fill(out, 0, n, 0f);
                for (int s : sumIndexes) {
                    float[] in = block[s][c];
                    for (int i = 0; i < n; i++) {
                        out[i] += in[offset + i];
                    }
                }
            }
        }
        return buffer;
    }

    private float[][] readMix(int n) {
        if (mixBuffer.length != channels || mixBuffer[0].length < n) {
            mixBuffer = new float[channels][Math.max(n, 4096)];
        }
        int done = 0;
        while (done < n) {
            int r = mix.read(mixBuffer, done, n - done);
            if (r < 0) {
                throw new InferenceException("the mix ended before the stems (" + done + " of " + n + " frames read)");
            }
            done += r;
        }
        return mixBuffer;
    }

    @Override
    public void close() {
        if (mix != null) {
            mix.close();
            mix = null;
        }
    }
}
