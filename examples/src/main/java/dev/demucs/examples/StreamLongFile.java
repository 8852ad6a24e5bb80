package dev.demucs.examples;

import dev.demucs.core.Cancellation;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationCancelledException;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.ffmpeg.AsyncStemSink;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import dev.demucs.ffmpeg.MediaInfo;
import dev.demucs.ffmpeg.StemFileSink;
import dev.demucs.models.DownloadListener;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.ResolvedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Separates a long recording (an hour-long DJ set, a podcast) in constant memory, with a
 * progress line, Ctrl-C to cancel, and FLAC encoding on its own thread so it overlaps with
 * inference.
 *
 * <pre>
 * java dev.demucs.examples.StreamLongFile set.m4a out/ [model]
 *   separating set.m4a: 3600.0 s, 561 model runs
 *   [#########           ]  45.1 %  chunk 253/561
 * </pre>
 *
 * <p>Memory does not grow with the input: the separator holds about one model segment of audio
 * per pass and the sink's queue a few blocks. On Ctrl-C the running model run is terminated,
 * and the partial output files are deleted.
 */
public final class StreamLongFile {

    private StreamLongFile() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: StreamLongFile <input> <output dir> [model]");
            System.exit(2);
        }
        String input = args[0];
        Path outDir = Path.of(args[1]);
        ResolvedModel model = ModelResolver.defaults().resolve(args.length > 2 ? args[2] : null, DownloadListener.NONE);

        // Ctrl-C: cancel, then hold the JVM until the separation has unwound and the sink has
        // deleted its partial files (the JVM halts as soon as its shutdown hooks return).
        Cancellation cancellation = new Cancellation();
        CountDownLatch finished = new CountDownLatch(1);
        Thread onCtrlC = new Thread(() -> {
            cancellation.cancel();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cancel-on-ctrl-c");
        Runtime.getRuntime().addShutdownHook(onCtrlC);

        SeparationOptions options = SeparationOptions.builder()
                .shifts(1)                 // upstream's default; 0 is twice as fast
                .overlap(0.25)
                .build();
        int exitCode = 0;
        try (Separator separator = Separator.open(model.bag(), options)) {
            FfmpegInput audio = FfmpegInput.of(input, separator.model().sampleRate(), 2);
            MediaInfo info = audio.probe();
            System.out.printf(Locale.ROOT, "separating %s: %.1f s with %s%n", input, info.durationSeconds(), model.name());

            StemFileSink files = new StemFileSink(outDir, SeparateFile.baseName(input) + "_", AudioFormat.FLAC,
                    EncoderOptions.defaults());
            separator.separate(audio, new AsyncStemSink(files, 8), new ProgressBar(), cancellation);
            files.files().forEach(f -> System.out.println("wrote " + f));
        } catch (SeparationCancelledException e) {
            System.err.println("cancelled; partial files removed");
            exitCode = 130;
        } finally {
            finished.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onCtrlC);
        } catch (IllegalStateException shuttingDown) {
            return; // Ctrl-C: the JVM is already exiting
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    /** Prints a one-line progress bar; listeners must be fast and must not throw. */
    static final class ProgressBar implements ProgressListener {
        private volatile int lastPercent = -1;

        @Override
        public void onSeparationStart(int totalChunks, long frames) {
            System.out.println(totalChunks + " model runs");
        }

        @Override
        public void onChunkEnd(ChunkProgress chunk) {
            int percent = (int) chunk.percent();
            if (percent != lastPercent) {
                lastPercent = percent;
                String bar = "#".repeat(percent / 5) + " ".repeat(20 - percent / 5);
                System.out.printf(Locale.ROOT, "\r[%s] %5.1f %%  chunk %d/%d", bar, chunk.percent(),
                        chunk.completed(), chunk.total());
            }
        }

        @Override
        public void onSeparationEnd(Throwable error) {
            System.out.println(error == null ? "\ndone" : "\nstopped: " + error.getMessage());
        }
    }
}
