package dev.demucs.ffmpeg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * FFmpeg's WAV demuxer silently clips a data chunk to the file's size, so a truncated WAV would
 * decode as a shorter track. This reads the RIFF chunk list and reports how many bytes of audio
 * the header declares but the file lacks.
 */
final class RiffCheck {

    private RiffCheck() {
    }

    /**
     * @return bytes the {@code data} chunk declares beyond the end of the file; 0 when the file
     *         is whole, is not plain RIFF/WAVE, or declares an unknown (streaming) length
     */
    static long missingDataBytes(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            if (read(ch, head, 0) < 12) {
                return 0;
            }
            if (head.getInt(0) != 0x46464952 /* RIFF */ || head.getInt(8) != 0x45564157 /* WAVE */) {
                return 0;
            }
            long pos = 12;
            ByteBuffer chunk = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (int guard = 0; guard < 1000 && pos + 8 <= size; guard++) {
                chunk.clear();
                if (read(ch, chunk, pos) < 8) {
                    return 0;
                }
                int id = chunk.getInt(0);
                long length = chunk.getInt(4) & 0xffffffffL;
                if (id == 0x61746164 /* data */) {
                    if (length == 0 || length == 0xffffffffL) {
                        return 0; // written by a streaming encoder: length unknown
                    }
                    long available = size - (pos + 8);
                    return Math.max(0, length - available);
                }
                pos += 8 + length + (length & 1);
            }
            return 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static int read(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
