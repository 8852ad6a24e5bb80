package dev.demucs.ffmpeg;

import dev.demucs.core.AudioIOException;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad local inputs give a specific, one-line error naming the input. */
class InputErrorTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void tools() {
        Cli.assumeAvailable();
    }

    /** Opens and reads the whole input, expecting a failure; checks the message shape. */
    private static MediaIOException failure(Path file) {
        FfmpegInput input = FfmpegInput.of(file.toString(), 44100, 2);
        MediaIOException e = assertThrows(MediaIOException.class, () -> {
            try (AudioSource s = input.open()) {
                Cli.readAll(s);
            }
        });
        assertTrue(e instanceof AudioIOException);
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void missingFile() {
        MediaIOException e = failure(dir.resolve("nope.mp3"));
        assertEquals(Reason.NOT_FOUND, e.mediaReason());
        assertTrue(e.getMessage().contains("no such file"));
        assertEquals(Reason.NOT_FOUND, assertThrows(MediaIOException.class,
                () -> FfmpegInput.of(dir.resolve("nope.mp3").toString(), 44100, 2).probe()).mediaReason());
    }

    @Test
    void directory() {
        assertEquals(Reason.NOT_FOUND, failure(dir).mediaReason());
    }

    @Test
    void emptyFile() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.wav"));
        MediaIOException e = failure(empty);
        assertEquals(Reason.EMPTY, e.mediaReason());
        assertTrue(e.getMessage().contains("empty"));
    }

    @Test
    void textIsNotAudio() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.mp3"), "This is not audio at all.\n".repeat(200));
        MediaIOException e = failure(text);
        assertEquals(Reason.NOT_AUDIO, e.mediaReason());
        assertTrue(e.getMessage().contains("not an audio"), e.getMessage());
    }

    @Test
    void randomBytesAreNotAudio() throws IOException {
        byte[] noise = new byte[100_000];
        new Random(5).nextBytes(noise);
        Path file = Files.write(dir.resolve("noise.bin"), noise);
        assertEquals(Reason.NOT_AUDIO, failure(file).mediaReason());
    }

    @Test
    void videoWithoutAudioHasNoAudioStream() {
        Path video = dir.resolve("video.mkv");
        Cli.ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-c:v", "ffv1", video.toString());
        MediaIOException e = failure(video);
        assertEquals(Reason.NO_AUDIO_STREAM, e.mediaReason());
        assertTrue(e.getMessage().contains("no audio stream"), e.getMessage());
    }

    @Test
    void truncatedWav() throws IOException {
        Path wav = dir.resolve("cut.wav");
        Cli.ffmpeg("-f", "lavfi", "-i", "sine=sample_rate=44100:duration=4", "-ac", "2", "-c:a", "pcm_s16le", wav.toString());
        truncate(wav, Files.size(wav) / 2);
        MediaIOException e = failure(wav);
        assertEquals(Reason.TRUNCATED, e.mediaReason());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedFlac() throws IOException {
        Path flac = dir.resolve("cut.flac");
        Cli.ffmpeg("-f", "lavfi", "-i", "anoisesrc=sample_rate=44100:duration=4:seed=1", "-c:a", "flac", flac.toString());
        truncate(flac, Files.size(flac) * 6 / 10);
        assertEquals(Reason.TRUNCATED, failure(flac).mediaReason());
    }

    @Test
    void corruptAacData() throws IOException {
        Path m4a = dir.resolve("corrupt.m4a");
        Cli.ffmpeg("-f", "lavfi", "-i", "anoisesrc=sample_rate=44100:duration=4:seed=2", "-c:a", "aac",
                "-movflags", "+faststart", m4a.toString());
        // overwrite the coded audio (everything after the index) with noise, keeping the container
        long[] boxes = Cli.moovMdatOffsets(m4a);
        assertTrue(boxes[0] >= 0 && boxes[1] > boxes[0], Arrays.toString(boxes));
        byte[] data = Files.readAllBytes(m4a);
        Random random = new Random(9);
        for (int i = (int) boxes[1] + 16; i < data.length; i++) {
            data[i] = (byte) random.nextInt();
        }
        Files.write(m4a, data);
        MediaIOException e = failure(m4a);
        assertEquals(Reason.CORRUPT, e.mediaReason());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void completeInputsAreNotReportedAsTruncated() {
        for (String codec : new String[] {"pcm_s16le:wav", "flac:flac", "libmp3lame:mp3", "aac:m4a"}) {
            String[] parts = codec.split(":");
            Path file = dir.resolve("whole." + parts[1]);
            Cli.ffmpeg("-f", "lavfi", "-i", "sine=sample_rate=44100:duration=2.5", "-c:a", parts[0], file.toString());
            try (AudioSource s = FfmpegInput.of(file.toString(), 44100, 2).open()) {
                assertEquals(2.5 * 44100, Cli.readAll(s)[0].length, 2048, codec);
            }
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }
}
