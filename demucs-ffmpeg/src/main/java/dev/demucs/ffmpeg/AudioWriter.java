package dev.demucs.ffmpeg;

import dev.demucs.ffmpeg.MediaIOException.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

/**
 * Incremental audio encoder: planar float in, one file out. The file is written under a
 * temporary name in the target's directory ({@code .<name>.<random>.part}) and renamed to the
 * target atomically by {@link #complete()}; {@link #close()} without {@code complete()} deletes
 * it, so a failure never leaves a file that looks complete.
 *
 * <pre>{@code
 * try (AudioWriter w = AudioWriter.open(Path.of("vocals.mp3"), AudioFormat.MP3, 44100, 2,
 *                                       EncoderOptions.defaults())) {
 *     w.write(block, 0, frames);     // block[channel][frame], as often as needed
 *     w.complete();                  // flush, finalise, rename
 * }
 * }</pre>
 *
 * <p>Clip modes ({@link ClipMode}) are applied before encoding. {@link ClipMode#RESCALE}
 * depends on the peak of the whole file, so the writer also spools the samples to a temporary
 * raw float file next to the target while tracking the peak. As long as the peak stays at or
 * below 1/1.01 the rescale factor is 1 and the encoding done on the fly is already right: the
 * spool is simply deleted. Once the peak exceeds it, on-the-fly encoding stops and
 * {@code complete()} encodes the whole spool with the factor {@code 1 / (1.01 · peak)}. Memory
 * stays flat either way; disk use is up to 4 bytes per sample for the spool.
 *
 * <p>Integer formats: 16-bit samples are {@code round(clamp(x, −1, 1) · 32767)} (upstream
 * Demucs' convention; FFmpeg's own float→s16 conversion would scale by 32768), 24-bit
 * {@code round(clamp(x, −1, 1) · 8388607)}; FLAC is 16-bit. Float WAV stores the values as
 * they are (after the clip mode). MP3 and AAC take float samples.
 *
 * <p>Not thread-safe. {@link #close()} is idempotent.
 */
public final class AudioWriter implements AutoCloseable {

    /** Peak above which RESCALE changes the samples: max(1.01 · peak, 1) > 1. */
    private static final double RESCALE_THRESHOLD = 1 / 1.01;
    private static final int SPOOL_BUFFER_BYTES = 1 << 16;

    private final Path target;
    private final Path temporary;
    private final AudioFormat format;
    private final int sampleRate;
    private final int channels;
    private final EncoderOptions options;
    private final String name;

    private FfmpegEncoder live;
    private Path spoolPath;
    private FileChannel spool;
    private ByteBuffer spoolBuffer;
    private double peak;
    private long framesWritten;
    private float[][] scratch;
    private boolean completed;
    private boolean closed;

    private AudioWriter(Path target, AudioFormat format, int sampleRate, int channels, EncoderOptions options) {
        this.target = target;
        this.format = format;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.options = options;
        this.name = target.toString();
        String base = target.getFileName().toString();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        this.temporary = target.resolveSibling("." + base + "." + tag + ".part");
        this.spoolPath = target.resolveSibling("." + base + "." + tag + ".spool");
    }

    /**
     * Which libmp3lame encodes MP3 files in this process, for diagnostics: the system's (a
     * distribution's optimised build of the release the bundled FFmpeg carries, about 2.5× faster,
     * the same bytes) or the one inside the bundled FFmpeg.
     */
    public static String mp3Encoder() {
        return SystemLame.available()
                ? "libmp3lame " + SystemLame.LAME_RELEASE + " from the system"
                : "libmp3lame inside the bundled FFmpeg (no system libmp3lame.so.0 " + SystemLame.LAME_RELEASE
                        + ", or -D" + SystemLame.PROPERTY + "=bundled)";
    }

    /**
     * Opens a writer. The target's directory must exist; an existing target is replaced on
     * {@link #complete()}.
     *
     * @param target     the final file
     * @param format     the output format (independent of the target's extension)
     * @param sampleRate samples per second of the input and the output
     * @param channels   channel count of the input and the output (MP3: 1 or 2)
     * @param options    bit rate and clip mode
     * @throws MediaIOException with reason WRITE_FAILED when the file or the encoder cannot be set up
     */
    public static AudioWriter open(Path target, AudioFormat format, int sampleRate, int channels,
                                   EncoderOptions options) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(options, "options");
        if (channels < 1 || channels > 8) {
            throw new IllegalArgumentException("channels must be in 1 … 8, got " + channels);
        }
        if (format == AudioFormat.MP3 && channels > 2) {
            throw new IllegalArgumentException("MP3 holds 1 or 2 channels, got " + channels);
        }
        if (format == AudioFormat.MP3 && options.bitrateKbps() > 320) {
            throw new IllegalArgumentException("MP3 bit rates go up to 320 kbit/s, got " + options.bitrateKbps());
        }
        if (sampleRate < 1000 || sampleRate > 768000) {
            throw new IllegalArgumentException("sampleRate must be in 1000 … 768000, got " + sampleRate);
        }
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new MediaIOException(Reason.WRITE_FAILED, target + ": the directory " + parent + " does not exist");
        }
        AudioWriter w = new AudioWriter(absolute, format, sampleRate, channels, options);
        try {
            w.start();
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private void start() {
        live = FfmpegEncoder.open(temporary, name, format, sampleRate, channels, options.bitrateKbps(), options.mp3Quality());
        if (options.clipMode() == ClipMode.RESCALE) {
            try {
                spool = FileChannel.open(spoolPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
            } catch (IOException e) {
                throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot create a temporary file: " + e, e);
            }
            spoolBuffer = ByteBuffer.allocateDirect(SPOOL_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        } else {
            spoolPath = null;
        }
    }

    /** The final file. */
    public Path target() {
        return target;
    }

    /** Frames written so far. */
    public long framesWritten() {
        return framesWritten;
    }

    /** Whether {@link #complete()} succeeded (the target exists under its final name). */
    public boolean isCompleted() {
        return completed;
    }

    /**
     * Encodes {@code planar[c][offset .. offset+frames)} for every channel c. The arrays are
     * only read during the call.
     *
     * @throws IllegalArgumentException when {@code planar.length != channels} or the range is bad
     */
    public void write(float[][] planar, int offset, int frames) {
        checkOpen();
        if (planar.length != channels) {
            throw new IllegalArgumentException(name + ": expected " + channels + " channels, got " + planar.length);
        }
        if (frames == 0) {
            return;
        }
        if (offset < 0 || frames < 0 || offset + frames > planar[0].length) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", frames " + frames
                    + ", length " + planar[0].length);
        }
        try {
            switch (options.clipMode()) {
                case NONE:
                    live.write(planar, offset, frames);
                    break;
                case CLAMP:
                    live.write(clamped(planar, offset, frames), 0, frames);
                    break;
                case RESCALE:
                default:
                    spoolAndTrack(planar, offset, frames);
                    if (live != null) {
                        if (peak > RESCALE_THRESHOLD) {
                            // the whole file will be rescaled: on-the-fly output is useless now
                            live.close();
                            live = null;
                            Files.deleteIfExists(temporary);
                        } else {
                            live.write(planar, offset, frames);
                        }
                    }
                    break;
            }
        } catch (IOException e) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot write a temporary file: " + e, e);
        }
        framesWritten += frames;
    }

    private float[][] clamped(float[][] planar, int offset, int frames) {
        float[][] out = scratch(frames);
        for (int c = 0; c < channels; c++) {
            float[] in = planar[c];
            float[] o = out[c];
            for (int i = 0; i < frames; i++) {
                o[i] = Math.max(-0.99f, Math.min(0.99f, in[offset + i]));
            }
        }
        return out;
    }

    private float[][] scratch(int frames) {
        if (scratch == null || scratch[0].length < frames) {
            scratch = new float[channels][Math.max(frames, 4096)];
        }
        return scratch;
    }

    private void spoolAndTrack(float[][] planar, int offset, int frames) throws IOException {
        double p = peak;
        for (int i = 0; i < frames; i++) {
            if (spoolBuffer.remaining() < 4 * channels) {
                flushSpool();
            }
            for (int c = 0; c < channels; c++) {
                float x = planar[c][offset + i];
                float a = Math.abs(x);
                if (a > p) {
                    p = a;
                }
                spoolBuffer.putFloat(x);
            }
        }
        peak = p;
    }

    private void flushSpool() throws IOException {
        spoolBuffer.flip();
        while (spoolBuffer.hasRemaining()) {
            spool.write(spoolBuffer);
        }
        spoolBuffer.clear();
    }

    /**
     * Finishes the file: encodes what is pending (with RESCALE above the threshold, the whole
     * spool), flushes the encoder, writes the trailer (M4A: moves the index to the front) and
     * renames the temporary file to the target.
     */
    public void complete() {
        checkOpen();
        try {
            if (options.clipMode() == ClipMode.RESCALE && live == null) {
                encodeSpool();
            }
            live.finish();
            live.close();
            live = null;
            closeSpool();
            moveIntoPlace();
            completed = true;
        } catch (IOException e) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot finish the file: " + e, e);
        }
    }

    private void encodeSpool() throws IOException {
        flushSpool();
        float scale = (float) (1.0 / Math.max(1.01 * peak, 1.0));
        live = FfmpegEncoder.open(temporary, name, format, sampleRate, channels, options.bitrateKbps(), options.mp3Quality());
        spool.position(0);
        ByteBuffer buffer = spoolBuffer;
        buffer.clear();
        int framesPerBuffer = buffer.capacity() / (4 * channels);
        float[][] block = scratch(framesPerBuffer);
        long remaining = framesWritten;
        while (remaining > 0) {
            int frames = (int) Math.min(framesPerBuffer, remaining);
            buffer.clear();
            buffer.limit(frames * 4 * channels);
            while (buffer.hasRemaining()) {
                if (spool.read(buffer) < 0) {
                    throw new IOException("temporary file ended early");
                }
            }
            buffer.flip();
            for (int i = 0; i < frames; i++) {
                for (int c = 0; c < channels; c++) {
                    block[c][i] = buffer.getFloat() * scale;
                }
            }
            live.write(block, 0, frames);
            remaining -= frames;
        }
    }

    private void closeSpool() throws IOException {
        if (spool != null) {
            spool.close();
            spool = null;
        }
        if (spoolPath != null) {
            Files.deleteIfExists(spoolPath);
        }
    }

    private void moveIntoPlace() throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Releases everything; without a successful {@link #complete()} the partial output is deleted. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (live != null) {
            live.close();
            live = null;
        }
        try {
            closeSpool();
        } catch (IOException e) {
            // best effort: the temporary spool has a name that never looks like a result
        }
        if (!completed) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException e) {
                throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot delete the partial file "
                        + temporary.getFileName() + ": " + e.getMessage(), e);
            }
        }
        scratch = null;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(name + ": writer is closed");
        }
        if (completed) {
            throw new IllegalStateException(name + ": writer is already completed");
        }
    }
}
