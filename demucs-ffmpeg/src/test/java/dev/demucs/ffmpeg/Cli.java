package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The independent reference: Debian's {@code ffmpeg} / {@code ffprobe} command-line tools (a
 * separate FFmpeg build from the bundled JavaCV one). Tests that need them skip when absent.
 */
final class Cli {

    private Cli() {
    }

    static boolean available() {
        try {
            Process p = new ProcessBuilder("ffmpeg", "-version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static void assumeAvailable() {
        Assumptions.assumeTrue(available(), "Debian's ffmpeg/ffprobe are not installed (apt-get install -y ffmpeg)");
    }

    /** Runs a command and returns stdout; fails with stderr on a non-zero exit. */
    static byte[] run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t = new Thread(() -> {
                try (InputStream e = p.getErrorStream()) {
                    e.transferTo(err);
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            t.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            t.join();
            if (p.exitValue() != 0) {
                throw new AssertionError("command failed (" + p.exitValue() + "): " + command + "\n" + err);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void ffmpeg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"));
        cmd.addAll(Arrays.asList(args));
        run(cmd);
    }

    /** Decodes with the Debian CLI to planar float at rate/channels. */
    static float[][] decode(Path file, int sampleRate, int channels) {
        byte[] raw = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", file.toString(),
                "-f", "f32le", "-acodec", "pcm_f32le", "-ar", Integer.toString(sampleRate),
                "-ac", Integer.toString(channels), "-"));
        return deinterleave(raw, channels);
    }

    static float[][] deinterleave(byte[] raw, int channels) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int frames = raw.length / 4 / channels;
        float[][] out = new float[channels][frames];
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < channels; c++) {
                out[c][i] = b.getFloat();
            }
        }
        return out;
    }

    /** Raw interleaved 16-bit samples as the Debian CLI reads them from a file. */
    static short[] decodeS16(Path file) {
        byte[] raw = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", file.toString(),
                "-f", "s16le", "-acodec", "pcm_s16le", "-"));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[raw.length / 2];
        b.asShortBuffer().get(out);
        return out;
    }

    /** The first {@code frames} frames as interleaved 16-bit samples. */
    static short[] decodeS16Head(Path file, int frames) {
        byte[] raw = run(List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", file.toString(),
                "-af", "atrim=end_sample=" + frames, "-f", "s16le", "-acodec", "pcm_s16le", "-"));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[raw.length / 2];
        b.asShortBuffer().get(out);
        return out;
    }

    /** One ffprobe field of the first audio stream (e.g. codec_name, channels, sample_rate, duration). */
    static String probe(Path file, String field) {
        String out = new String(run(List.of("ffprobe", "-v", "error", "-select_streams", "a:0",
                "-show_entries", "stream=" + field, "-of", "default=noprint_wrappers=1:nokey=1", file.toString()))).strip();
        return out;
    }

    /** Format-level ffprobe field (format_name, duration, ...). */
    static String probeFormat(Path file, String field) {
        return new String(run(List.of("ffprobe", "-v", "error", "-show_entries", "format=" + field,
                "-of", "default=noprint_wrappers=1:nokey=1", file.toString()))).strip();
    }

    /** Byte offsets of the top-level MP4 boxes named moov and mdat (for the faststart check). */
    static long[] moovMdatOffsets(Path file) throws IOException {
        byte[] data = java.nio.file.Files.readAllBytes(file);
        long moov = -1;
        long mdat = -1;
        int pos = 0;
        while (pos + 8 <= data.length) {
            long size = ByteBuffer.wrap(data, pos, 4).getInt() & 0xffffffffL;
            String type = new String(data, pos + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (type.equals("moov")) {
                moov = pos;
            } else if (type.equals("mdat")) {
                mdat = pos;
            }
            if (size == 1) {
                size = ByteBuffer.wrap(data, pos + 8, 8).getLong();
            }
            if (size < 8) {
                break;
            }
            pos += size;
        }
        return new long[] {moov, mdat};
    }

    /** Reads a whole source into memory (tests only). */
    static float[][] readAll(AudioSource source) {
        int channels = source.channels();
        float[][] out = new float[channels][1 << 16];
        int n = 0;
        float[][] block = new float[channels][3000];
        for (int r; (r = source.read(block, 0, block[0].length)) > 0; ) {
            if (n + r > out[0].length) {
                for (int c = 0; c < channels; c++) {
                    out[c] = Arrays.copyOf(out[c], Math.max(n + r, out[c].length * 2));
                }
            }
            for (int c = 0; c < channels; c++) {
                System.arraycopy(block[c], 0, out[c], n, r);
            }
            n += r;
        }
        for (int c = 0; c < channels; c++) {
            out[c] = Arrays.copyOf(out[c], n);
        }
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Pearson correlation of a[0..n) and b[lag..lag+n). */
    static double correlation(float[] a, float[] b, int lag, int n) {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < n; i++) {
            double x = a[i];
            double y = b[i + lag];
            sa += x;
            sb += y;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }
        double cov = sab - sa * sb / n;
        double va = saa - sa * sa / n;
        double vb = sbb - sb * sb / n;
        return cov / Math.sqrt(va * vb);
    }

    /** The lag in [0, maxLag] that maximises the correlation (codec delay). */
    static int bestLag(float[] reference, float[] decoded, int maxLag, int n) {
        int best = 0;
        double bestC = -2;
        for (int lag = 0; lag <= maxLag; lag++) {
            double c = correlation(reference, decoded, lag, n);
            if (c > bestC) {
                bestC = c;
                best = lag;
            }
        }
        return best;
    }

    static final Pattern NUMBER = Pattern.compile("[-+]?[0-9]*\\.?[0-9]+");

    static double number(String text) {
        Matcher m = NUMBER.matcher(text);
        if (!m.find()) {
            throw new AssertionError("no number in '" + text + "'");
        }
        return Double.parseDouble(m.group());
    }
}
