package dev.demucs.examples;

import dev.demucs.core.Cancellation;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import dev.demucs.ffmpeg.StemFileSink;
import dev.demucs.models.DownloadListener;
import dev.demucs.models.ResolvedModel;
import dev.demucs.models.ModelResolver;
import java.nio.file.Path;

/**
 * Separates one audio file into one 16-bit WAV file per stem.
 *
 * <pre>
 * java dev.demucs.examples.SeparateFile song.mp3 stems/ [model]
 *   → stems/song_drums.wav, stems/song_bass.wav, stems/song_other.wav, stems/song_vocals.wav
 * </pre>
 *
 * <p>{@code model} is a registry name ({@code htdemucs}, the default, is downloaded and
 * converted on first use), an {@code .onnx} file or a bag manifest {@code .json}. Any input
 * FFmpeg reads works (a path or an http(s) URL); it is resampled to the model's rate.
 */
public final class SeparateFile {

    private SeparateFile() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SeparateFile <input> <output dir> [model]");
            System.exit(2);
        }
        String input = args[0];
        Path outDir = Path.of(args[1]);
        String model = args.length > 2 ? args[2] : null;

        ResolvedModel resolved = ModelResolver.defaults().resolve(model, DownloadListener.NONE);
        try (Separator separator = Separator.open(resolved.bag(), SeparationOptions.defaults())) {
            FfmpegInput audio = FfmpegInput.of(input, separator.model().sampleRate(), 2);
            String prefix = baseName(input) + "_";
            StemFileSink sink = new StemFileSink(outDir, prefix, AudioFormat.WAV_PCM16, EncoderOptions.defaults());
            // Streams: reads the input twice (statistics, then separation) and writes the stems
            // as they become final; the sink completes (renames its files) on success only.
            separator.separate(audio, sink, ProgressListener.NONE, Cancellation.NONE);
            sink.files().forEach(f -> System.out.println("wrote " + f));
        }
    }

    /** "dir/song.mp3" → "song". */
    static String baseName(String input) {
        String name = input.replaceAll("[?#].*$", "");
        name = name.substring(name.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
