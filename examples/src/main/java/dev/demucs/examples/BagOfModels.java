package dev.demucs.examples;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.StemSelection;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.audio.AudioSource;
import dev.demucs.core.model.ModelBag;
import dev.demucs.core.model.ModelInspector;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Combines several models into a bag, as upstream's {@code htdemucs_ft} does (four specialist
 * models, each trusted for one stem), on a short clip held in memory, and writes the vocals.
 *
 * <pre>
 * java dev.demucs.examples.BagOfModels clip.wav vocals.wav drums.onnx bass.onnx other.onnx vocals.onnx
 * </pre>
 *
 * <p>Given as many models as there are sources, model k gets weight 1 for stem k and 0 for
 * the others (the {@code htdemucs_ft} recipe); given another number, every model gets weight 1
 * for every stem (a plain average). Each stem is Σ_m weight[m][stem] · stem_m / Σ_m weight[m][stem]. The
 * models must agree on sources, sample rate and segment. For whole songs prefer the streaming
 * {@link Separator#separate(dev.demucs.core.audio.AudioInput, dev.demucs.core.audio.StemSink,
 * dev.demucs.core.ProgressListener, dev.demucs.core.Cancellation)} of {@link StreamLongFile}.
 */
public final class BagOfModels {

    private BagOfModels() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: BagOfModels <input> <vocals output> <model.onnx>...");
            System.exit(2);
        }
        List<Path> models = Arrays.stream(args, 2, args.length).map(Path::of).toList();
        int sources = ModelInspector.inspect(models.get(0)).sources().size();
        List<ModelBag.Member> members = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            if (models.size() == sources) {
                float[] weights = new float[sources];
                weights[m] = 1f;           // specialist: model m is trusted for stem m only
                members.add(new ModelBag.Member(models.get(m), weights));
            } else {
                members.add(new ModelBag.Member(models.get(m), null)); // null = weight 1 for every stem
            }
        }
        ModelBag bag = ModelBag.of(members);

        SeparationOptions options = SeparationOptions.builder()
                .stems(StemSelection.only(List.of("vocals")))
                .build();
        try (Separator separator = Separator.open(bag, options)) {
            int sampleRate = separator.model().sampleRate();
            AudioBuffer clip = readAll(FfmpegInput.of(args[0], sampleRate, 2));
            Stems stems = separator.separate(clip);
            AudioBuffer vocals = stems.get("vocals");
            try (AudioWriter out = AudioWriter.open(Path.of(args[1]), AudioFormat.fromFileName(args[1]),
                    sampleRate, vocals.channels(), EncoderOptions.defaults())) {
                out.write(vocals.data(), 0, vocals.frames());
                out.complete();
            }
            System.out.printf("wrote %s (%.1f s)%n", args[1], vocals.seconds());
        }
    }

    /** Decodes a whole (short) input into memory. */
    static AudioBuffer readAll(FfmpegInput input) {
        try (AudioSource source = input.open()) {
            float[][] data = new float[2][1 << 16];
            int frames = 0;
            int n;
            while ((n = source.read(data, frames, data[0].length - frames)) >= 0) {
                frames += n;
                if (frames == data[0].length) {
                    data[0] = Arrays.copyOf(data[0], frames * 2);
                    data[1] = Arrays.copyOf(data[1], frames * 2);
                }
            }
            return AudioBuffer.of(source.sampleRate(), new float[][] {
                    Arrays.copyOf(data[0], frames), Arrays.copyOf(data[1], frames)});
        }
    }
}
