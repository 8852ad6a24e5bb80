package dev.demucs.job;

import dev.demucs.core.InferenceException;
import dev.demucs.core.audio.AudioInput;
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
 * dir/demucs_results/segment_NNN_instrum.wav       its complement (not with other method none)
 * dir/demucs_results/segment_NNN_&lt;stem&gt;.wav      every other stem (allStems)
 * dir/instrumental.mp3                             mono mean of the complement, whole track
 * </pre>
 * (stem files in the job's stem format and its extension). The complement is made by the job's
 * other method ({@link Complement}); with {@code none} no {@code instrum} file is written and
 * {@code instrumental.mp3} is made with {@code add}. Each file appears under its final name only
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
    private final AudioFormat stemFormat;
    private final boolean complementFiles;
    private final Complement complementOf;
    private final EncoderOptions wavOptions;
    private final EncoderOptions mp3Options;
    private final IntConsumer onSegmentDone;
    private final List<Path> stemFiles = new ArrayList<>();

    private int sampleRate;
    private int channels;
    private String[] fileStems;
    private int[] fileIndexes; // stem index per file; -1 = the complement

    private AudioWriter mp3;
    private AudioWriter[] writers;
    private int segment = -1;
    private long position;
    private float[][] mono = new float[1][0];

    /**
     * @param segmentStarts first frame of each segment; [0] = 0, strictly increasing, all &lt; totalFrames
     * @param extraStems    stems written besides the two-stem pair (allStems), may be empty
     * @param stemFormat    format of the stem files
     * @param otherMethod   how the complement is made
     * @param mix           the separator's input (read again by other method minus)
     * @param wavOptions    encoder settings of the stem files
     */
    SegmentStemSink(Path resultsDir, Path instrumentalFile, long[] segmentStarts, long totalFrames, String twoStem,
                    List<String> extraStems, AudioFormat stemFormat, JobSpec.OtherMethod otherMethod, AudioInput mix,
                    EncoderOptions wavOptions, EncoderOptions mp3Options, IntConsumer onSegmentDone) {
        this.resultsDir = resultsDir;
        this.instrumentalFile = instrumentalFile;
        this.segmentStarts = segmentStarts.clone();
        this.totalFrames = totalFrames;
        this.twoStem = twoStem;
        this.extraStems = List.copyOf(extraStems);
        this.stemFormat = stemFormat;
        this.complementFiles = otherMethod != JobSpec.OtherMethod.NONE;
        this.complementOf = new Complement(complementFiles ? otherMethod : JobSpec.OtherMethod.ADD, twoStem, mix);
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
        int twoIndex = stems.indexOf(twoStem);
        if (twoIndex < 0) {
            throw new IllegalStateException("the separator does not produce '" + twoStem + "': " + stems);
        }
        complementOf.begin(stems, channels);
        List<String> names = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        names.add(twoStem);
        indexes.add(twoIndex);
        if (complementFiles) {
            names.add(JobLayout.COMPLEMENT);
            indexes.add(-1);
        }
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
            float[][] comp = complementOf.of(block, offset, n);
            for (int f = 0; f < writers.length; f++) {
                if (fileIndexes[f] < 0) {
                    writers[f].write(comp, 0, n);
                } else {
                    writers[f].write(block[fileIndexes[f]], offset, n);
                }
            }
            writeMono(comp, 0, n);
            position += n;
            offset += n;
            if (position == end) {
                completeSegment();
            }
        }
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
            writers[f] = AudioWriter.open(resultsDir.resolve(stemFile(segment, fileStems[f])), stemFormat, sampleRate,
                    channels, wavOptions);
        }
    }

    private String stemFile(int index, String stem) {
        return JobLayout.stemFile(index, stem, stemFormat.extension());
    }

    private void completeSegment() {
        for (int f = 0; f < writers.length; f++) {
            writers[f].complete();
            stemFiles.add(resultsDir.resolve(stemFile(segment, fileStems[f])));
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
        complementOf.close();
    }

    private static void closeQuietly(AudioWriter w) {
        try {
            w.close();
        } catch (RuntimeException ignored) {
            // closing is best effort: the other files must be closed too
        }
    }
}
