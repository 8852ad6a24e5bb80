package dev.demucs.job;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.AudioInput;
import dev.demucs.core.audio.AudioSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decoded audio spooled to a local file, so that a remote input is downloaded and decoded once
 * although the separator reads it twice. The file holds interleaved float32 little-endian frames
 * exactly as decoded; memory use is one I/O buffer.
 *
 * <pre>
 * writer = SpooledInput.create(file, sampleRate, channels, description)
 * writer.append(planar, offset, frames) ...      during the cutting pass
 * input = writer.finish()                          a re-openable AudioInput
 * </pre>
 */
final class SpooledInput implements AudioInput {

    private static final int BUFFER_FRAMES = 1 << 14;

    private final Path file;
    private final int sampleRate;
    private final int channels;
    private final long frames;
    private final String description;

    private SpooledInput(Path file, int sampleRate, int channels, long frames, String description) {
        this.file = file;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.frames = frames;
        this.description = description;
    }

    /** Writes the spool file; {@link #finish()} turns it into an input. */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final int sampleRate;
        private final int channels;
        private final String description;
        private final FileChannel channel;
        private final ByteBuffer buffer;
        private long frames;

        Writer(Path file, int sampleRate, int channels, String description) {
            this.file = file;
            this.sampleRate = sampleRate;
            this.channels = channels;
            this.description = description;
            try {
                this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new AudioIOException("cannot create " + file + ": " + e.getMessage(), e);
            }
            this.buffer = ByteBuffer.allocateDirect(BUFFER_FRAMES * channels * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }

        void append(float[][] planar, int offset, int n) {
            for (int i = 0; i < n; i++) {
                if (buffer.remaining() < channels * Float.BYTES) {
                    flush();
                }
                for (int c = 0; c < channels; c++) {
                    buffer.putFloat(planar[c][offset + i]);
                }
            }
            frames += n;
        }

        private void flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new AudioIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
            buffer.clear();
        }

        SpooledInput finish() {
            flush();
            close();
            return new SpooledInput(file, sampleRate, channels, frames, description);
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was lost: a failed close after a successful flush keeps the data
            }
        }
    }

    static Writer create(Path file, int sampleRate, int channels, String description) {
        return new Writer(file, sampleRate, channels, description);
    }

    long frames() {
        return frames;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public AudioSource open() {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new AudioIOException("cannot read " + file + " (decoded copy of " + description + "): " + e.getMessage(), e);
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(BUFFER_FRAMES * channels * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.limit(0);
        return new AudioSource() {
            private long position;
            private boolean closed;

            @Override
            public int sampleRate() {
                return sampleRate;
            }

            @Override
            public int channels() {
                return channels;
            }

            @Override
            public long lengthFrames() {
                return frames;
            }

            @Override
            public int read(float[][] dst, int offset, int want) {
                if (closed) {
                    throw new IllegalStateException("source is closed");
                }
                if (position >= frames) {
                    return -1;
                }
                if (bytes.remaining() < channels * Float.BYTES) {
                    bytes.compact();
                    try {
                        while (bytes.position() < channels * Float.BYTES) {
                            if (ch.read(bytes) < 0) {
                                throw new AudioIOException(file + " (decoded copy of " + description + ") ended early");
                            }
                        }
                    } catch (IOException e) {
                        throw new AudioIOException("cannot read " + file + ": " + e.getMessage(), e);
                    }
                    bytes.flip();
                }
                int n = (int) Math.min(Math.min(want, bytes.remaining() / (channels * Float.BYTES)), frames - position);
                FloatBuffer floats = bytes.asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < channels; c++) {
                        dst[c][offset + i] = floats.get();
                    }
                }
                bytes.position(bytes.position() + n * channels * Float.BYTES);
                position += n;
                return n;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // read-only: nothing to lose
                    }
                }
            }
        };
    }
}
