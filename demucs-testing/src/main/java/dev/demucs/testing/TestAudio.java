package dev.demucs.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/**
 * Test audio written and read back with the JDK's own WAV code (javax.sound), independent of
 * FFmpeg, and ffprobe (Debian) for the compressed outputs. Shared by the tests of the job, CLI
 * and HTTP modules (demucs-testing, test scope).
 */
public final class TestAudio {

    private TestAudio() {
    }

    /** A stereo 16-bit WAV of tones and noise, amplitude ≤ 0.3; returns the samples as decoded floats (s/32768). */
    public static float[][] writeStereoWav(Path file, int sampleRate, int frames, long seed) {
        Random random = new Random(seed);
        short[][] pcm = new short[2][frames];
        float[][] decoded = new float[2][frames];
        for (int i = 0; i < frames; i++) {
            double t = (double) i / sampleRate;
            double l = 0.15 * Math.sin(2 * Math.PI * 220 * t) + 0.05 * random.nextGaussian() + 0.05;
            double r = 0.12 * Math.sin(2 * Math.PI * 331 * t + 1) + 0.05 * random.nextGaussian() - 0.02;
            pcm[0][i] = (short) Math.max(-32768, Math.min(32767, Math.round(l * 32767)));
            pcm[1][i] = (short) Math.max(-32768, Math.min(32767, Math.round(r * 32767)));
            decoded[0][i] = pcm[0][i] / 32768f;
            decoded[1][i] = pcm[1][i] / 32768f;
        }
        ByteBuffer bytes = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bytes.putShort(pcm[0][i]).putShort(pcm[1][i]);
        }
        AudioFormat format = new AudioFormat(sampleRate, 16, 2, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(bytes.array()), format, frames)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return decoded;
    }

    /** Reads a 16-bit PCM WAV with javax.sound: [channel][frame], samples / 32767 (the writer's scale). */
    public static float[][] readWav16(Path file) {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            if (f.getSampleSizeInBits() != 16 || f.isBigEndian()) {
                throw new IllegalStateException(file + ": not 16-bit little-endian PCM: " + f);
            }
            byte[] all = in.readAllBytes();
            int channels = f.getChannels();
            int frames = all.length / (2 * channels);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            float[][] out = new float[channels][frames];
            for (int i = 0; i < frames; i++) {
                for (int c = 0; c < channels; c++) {
                    out[c][i] = b.getShort() / 32767f;
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        }
    }

    public static boolean hasFfprobe() {
        try {
            Process p = new ProcessBuilder("ffprobe", "-version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** ffprobe's view of the first audio stream: channels, sample_rate, duration (seconds), codec_name. */
    public static Probe ffprobe(Path file) {
        List<String> cmd = List.of("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                "stream=codec_name,channels,sample_rate:format=duration", "-of", "default=noprint_wrappers=1",
                file.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("ffprobe failed on " + file + ": " + text);
            }
            String codec = null;
            int channels = -1;
            int rate = -1;
            double duration = Double.NaN;
            for (String line : text.split("\n")) {
                String[] kv = line.trim().split("=", 2);
                if (kv.length != 2) {
                    continue;
                }
                switch (kv[0]) {
                    case "codec_name" -> codec = kv[1];
                    case "channels" -> channels = Integer.parseInt(kv[1]);
                    case "sample_rate" -> rate = Integer.parseInt(kv[1]);
                    case "duration" -> duration = Double.parseDouble(kv[1]);
                    default -> { }
                }
            }
            return new Probe(codec, channels, rate, duration);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Probe(String codec, int channels, int sampleRate, double durationSeconds) {
    }

    public static List<String> names(Path dir) {
        try (var s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
