package dev.demucs.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** A minimal 16-bit PCM WAV writer and reader for tests, independent of FFmpeg. */
final class Wav16 {

    private Wav16() {
    }

    /** Writes planar samples in [-1, 1) as 16-bit PCM (rounded, clamped), interleaved. */
    static void write(Path file, int sampleRate, float[][] planar) throws IOException {
        int channels = planar.length;
        int frames = planar[0].length;
        int dataBytes = frames * channels * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + dataBytes).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) channels)
                .putInt(sampleRate).putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        b.put("data".getBytes()).putInt(dataBytes);
        for (int i = 0; i < frames; i++) {
            for (float[] channel : planar) {
                b.putShort(toPcm(channel[i]));
            }
        }
        Files.write(file, b.array());
    }

    /** The value a 16-bit sample written by {@link #write} decodes to (q / 32768). */
    static float quantized(float x) {
        return toPcm(x) / 32768f;
    }

    private static short toPcm(float x) {
        return (short) Math.max(-32768, Math.min(32767, Math.round(x * 32768.0)));
    }

    /** Reads a 16-bit PCM WAV into planar samples q / 32768; returns {sampleRate as float[]{sr}, data...}. */
    static Audio read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) {
            throw new IOException(file + ": not a RIFF/WAVE file");
        }
        int pos = 12;
        int channels = 0;
        int sampleRate = 0;
        int bits = 0;
        while (pos + 8 <= b.limit()) {
            int id = b.getInt(pos);
            int size = b.getInt(pos + 4);
            if (id == 0x20746d66) { // "fmt "
                channels = b.getShort(pos + 10);
                sampleRate = b.getInt(pos + 12);
                bits = b.getShort(pos + 22);
            } else if (id == 0x61746164) { // "data"
                if (bits != 16) {
                    throw new IOException(file + ": expected 16-bit PCM, got " + bits + " bits");
                }
                int frames = Math.min(size, b.limit() - pos - 8) / (2 * channels);
                float[][] out = new float[channels][frames];
                int p = pos + 8;
                for (int i = 0; i < frames; i++) {
                    for (int c = 0; c < channels; c++) {
                        out[c][i] = b.getShort(p) / 32768f;
                        p += 2;
                    }
                }
                return new Audio(sampleRate, out);
            }
            pos += 8 + size + (size & 1);
        }
        throw new IOException(file + ": no data chunk");
    }

    record Audio(int sampleRate, float[][] data) {
    }
}
