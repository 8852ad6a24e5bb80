package dev.demucs.ffmpeg;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.StemSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Writes each stem to {@code dir/<prefix><stem>.<ext>} with an {@link AudioWriter} per stem,
 * encoding as the blocks arrive. Each file gets its own clip-mode treatment (as upstream saves
 * each stem separately). Files appear under their final names only when {@link #complete()}
 * succeeds; {@link #close()} without it deletes the partial output.
 *
 * <pre>{@code
 * try (StemSink sink = new AsyncStemSink(
 *         new StemFileSink(outDir, "song_", AudioFormat.FLAC, EncoderOptions.defaults()), 8)) {
 *     separator.separate(input, sink, ...);
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one producer (or an {@link AsyncStemSink} in front).
 */
public final class StemFileSink implements StemSink {

    private final Function<String, Path> fileOfStem;
    private final AudioFormat format;
    private final EncoderOptions options;
    private final List<AudioWriter> writers = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private boolean begun;
    private boolean completed;
    private boolean closed;

    /**
     * @param dir     output directory, created when missing
     * @param prefix  prepended to each stem name (may be empty)
     * @param format  output format (its extension is appended)
     * @param options encoder settings
     */
    public StemFileSink(Path dir, String prefix, AudioFormat format, EncoderOptions options) {
        this(stem -> dir.resolve((prefix == null ? "" : prefix) + stem + "." + format.extension()), format, options);
        Objects.requireNonNull(dir, "dir");
    }

    /**
     * Writes each stem to the file {@code fileOfStem} names (its folders created when missing),
     * e.g. upstream Demucs' {@code --filename} patterns.
     *
     * @param fileOfStem stem name → its file; distinct stems must get distinct files
     * @param format     output format
     * @param options    encoder settings
     */
    public StemFileSink(Function<String, Path> fileOfStem, AudioFormat format, EncoderOptions options) {
        this.fileOfStem = Objects.requireNonNull(fileOfStem, "fileOfStem");
        this.format = Objects.requireNonNull(format, "format");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The files written (final names), in stem order; valid after {@link #begin}. */
    public List<Path> files() {
        return List.copyOf(files);
    }

    @Override
    public void begin(List<String> stems, int sampleRate, int channels) {
        if (closed) {
            throw new IllegalStateException("sink is closed");
        }
        if (begun) {
            throw new IllegalStateException("begin called twice");
        }
        begun = true;
        for (String stem : stems) {
            Path target = fileOfStem.apply(stem);
            Path dir = target.toAbsolutePath().getParent();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new AudioIOException(dir + ": cannot create the output directory: " + e.getMessage(), e);
            }
            files.add(target);
            writers.add(AudioWriter.open(target, format, sampleRate, channels, options));
        }
    }

    @Override
    public void write(float[][][] block, int frames) {
        if (!begun || completed || closed) {
            throw new IllegalStateException("write outside begin … complete");
        }
        if (block.length != writers.size()) {
            throw new IllegalArgumentException("expected " + writers.size() + " stems, got " + block.length);
        }
        for (int s = 0; s < writers.size(); s++) {
            writers.get(s).write(block[s], 0, frames);
        }
    }

    @Override
    public void complete() {
        if (!begun || completed || closed) {
            throw new IllegalStateException("complete outside begin … close");
        }
        for (AudioWriter writer : writers) {
            writer.complete();
        }
        completed = true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (AudioWriter writer : writers) {
            try {
                writer.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (!completed) {
            // Stems already renamed by a partly successful complete() must not look finished.
            for (int s = 0; s < writers.size(); s++) {
                if (writers.get(s).isCompleted()) {
                    try {
                        Files.deleteIfExists(files.get(s));
                    } catch (IOException e) {
                        if (first == null) {
                            first = new AudioIOException(files.get(s) + ": cannot delete partial output: " + e.getMessage(), e);
                        }
                    }
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
