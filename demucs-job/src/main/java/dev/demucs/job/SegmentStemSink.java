package dev.demucs.job;

import dev.demucs.core.InferenceException;
import dev.demucs.core.audio.StemSink;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.EncoderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Splits the stems of one continuous separation at the segment boundaries:
 * <pre>
 * dir/demucs_results/segment_NNN_&lt;twoStem&gt;.wav   the chosen stem
 * dir/demucs_results/segment_NNN_instrum.wav       its complement
 * dir/demucs_results/segment_NNN_&lt;stem&gt;.wav      every other stem (allStems)
 * dir/instrumental.mp3                             mono mean of the complement, whole track
 * </pre>
 * The complement is the separator's {@code no_<stem>} output when it has one, else the sum of
 * every other stem (upstream's two-stem default). Each file appears under its final name only
 * when whole ({@link AudioWriter#complete()}); {@link #close()} without {@link #complete()}
 * aborts the files still open. Not thread-safe: one producer (an AsyncStemSink in front).
 */
final class SegmentStemSink implements StemSink {

    private final Path resultsDir;
    private final Path instrumentalFile;
    private final long[] segmentStarts;
    private final long totalFrames;
    private final String twoStem;
    private final List<String> extraStems;
    private final EncoderOptions wavOptions;
    private final EncoderOptions mp3Options;
    private final IntConsumer onSegmentDone;
    private final List<Path> stemFiles = new ArrayList<>();

    private int sampleRate;
    private int channels;
    private int twoIndex;
    private int complementIndex;
    private int[] sumIndexes;
    private String[] fileStems;
    private int[] fileIndexes; // stem index per file; -1 = the complement

    private AudioWriter mp3;
    private AudioWriter[] writers;
    private int segment = -1;
    private long position;
    private float[][] complement = new float[0][0];
    private float[][] mono = new float[1][0];

    /**
     * @param segmentStarts first frame of each segment; [0] = 0, strictly increasing, all &lt; totalFrames
     * @param extraStems    stems written besides the two-stem pair (allStems), may be empty
     */
    SegmentStemSink(Path resultsDir, Path instrumentalFile, long[] segmentStarts, long totalFrames, String twoStem,
                    List<String> extraStems, EncoderOptions wavOptions, EncoderOptions mp3Options,
                    IntConsumer onSegmentDone) {
        this.resultsDir = resultsDir;
        this.instrumentalFile = instrumentalFile;
        this.segmentStarts = segmentStarts.clone();
        this.totalFrames = totalFrames;
        this.twoStem = twoStem;
        this.extraStems = List.copyOf(extraStems);
        this.wavOptions = wavOptions;
        this.mp3Options = mp3Options;
        this.onSegmentDone = onSegmentDone;
    }

    /** Final names of the stem files completed so far, segment by segment. */
    List<Path> stemFiles() {
        return List.copyOf(stemFiles);
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        this.sampleRate = sampleRate;
        this.channels = channels;
        twoIndex = stems.indexOf(twoStem);
        if (twoIndex < 0) {
            throw new IllegalStateException("the separator does not produce '" + twoStem + "': " + stems);
        }
        complementIndex = stems.indexOf("no_" + twoStem);
        if (complementIndex < 0) {
            List<Integer> others = new ArrayList<>();
            for (int i = 0; i < stems.size(); i++) {
                if (i != twoIndex && !stems.get(i).startsWith("no_")) {
                    others.add(i);
                }
            }
            sumIndexes = others.stream().mapToInt(Integer::intValue).toArray();
        }
        List<String> names = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        names.add(twoStem);
        indexes.add(twoIndex);
        names.add(JobLayout.COMPLEMENT);
        indexes.add(-1);
        for (String extra : extraStems) {
            int i = stems.indexOf(extra);
            if (i < 0) {
                throw new IllegalStateException("the separator does not produce '" + extra + "': " + stems);
            }
            names.add(extra);
            indexes.add(i);
        }
        fileStems = names.toArray(String[]::new);
        fileIndexes = indexes.stream().mapToInt(Integer::intValue).toArray();
        mp3 = AudioWriter.open(instrumentalFile, AudioFormat.MP3, sampleRate, 1, mp3Options);
    }

    @Override
    public void write(float[][][] block, int frames) {
        if (position + frames > totalFrames) {
            throw new InferenceException("the separation produced more than the " + totalFrames + " frames of the input");
        }
        int offset = 0;
        while (offset < frames) {
            if (writers == null) {
                openSegment();
            }
            long end = segment + 1 < segmentStarts.length ? segmentStarts[segment + 1] : totalFrames;
            int n = (int) Math.min(frames - offset, end - position);
            float[][] comp = complement(block, offset, n);
            int compOffset = complementIndex >= 0 ? offset : 0;
            for (int f = 0; f < writers.length; f++) {
                if (fileIndexes[f] < 0) {
                    writers[f].write(comp, compOffset, n);
                } else {
                    writers[f].write(block[fileIndexes[f]], offset, n);
                }
            }
            writeMono(comp, compOffset, n);
            position += n;
            offset += n;
            if (position == end) {
                completeSegment();
            }
        }
    }

    /** The complement of frames [offset, offset+n) of the block (the block itself when the separator made it). */
    private float[][] complement(float[][][] block, int offset, int n) {
        if (complementIndex >= 0) {
            return block[complementIndex];
        }
        if (complement.length != channels || complement[0].length < n) {
            complement = new float[channels][Math.max(n, 4096)];
        }
        for (int c = 0; c < channels; c++) {
            float[] out = complement[c];
            java.util.Arrays.fill(out, 0, n, 0f);
            for (int s : sumIndexes) {
                float[] in = block[s][c];
                for (int i = 0; i < n; i++) {
                    out[i] += in[offset + i];
                }
            }
        }
        return complement;
    }

    private void writeMono(float[][] comp, int offset, int n) {
        if (mono[0].length < n) {
            mono = new float[1][Math.max(n, 4096)];
        }
        float[] out = mono[0];
        float scale = 1f / channels;
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += comp[c][offset + i];
            }
            out[i] = sum * scale;
        }
        mp3.write(mono, 0, n);
    }

    private void openSegment() {
        segment++;
        writers = new AudioWriter[fileStems.length];
        for (int f = 0; f < fileStems.length; f++) {
            writers[f] = AudioWriter.open(resultsDir.resolve(JobLayout.stemFile(segment, fileStems[f])),
                    AudioFormat.WAV_PCM16, sampleRate, channels, wavOptions);
        }
    }

    private void completeSegment() {
        for (int f = 0; f < writers.length; f++) {
            writers[f].complete();
            stemFiles.add(resultsDir.resolve(JobLayout.stemFile(segment, fileStems[f])));
        }
        writers = null;
        onSegmentDone.accept(segment + 1);
    }

    @Override
    public void complete() {
        if (position != totalFrames) {
            throw new InferenceException("the separation produced " + position + " frames, the input has " + totalFrames);
        }
        mp3.complete();
    }

    @Override
    public void close() {
        if (writers != null) {
            for (AudioWriter w : writers) {
                closeQuietly(w);
            }
            writers = null;
        }
        if (mp3 != null) {
            closeQuietly(mp3);
        }
    }

    private static void closeQuietly(AudioWriter w) {
        try {
            w.close();
        } catch (RuntimeException ignored) {
            // closing is best effort: the other files must be closed too
        }
    }
}
