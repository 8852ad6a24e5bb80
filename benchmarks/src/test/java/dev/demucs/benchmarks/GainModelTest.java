package dev.demucs.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.SessionPool;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import dev.demucs.core.model.ModelInspector;
import dev.demucs.core.model.ModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark gain model is a valid Demucs model whose stems are known analytically. */
class GainModelTest {

    @TempDir
    Path dir;

    @Test
    void isRecognisedAndSeparatesToHalfTheCentredMix() {
        Path model = GainModel.write(dir.resolve("gain.onnx"), GainModel.SEGMENT_SAMPLES);
        ModelSpec spec = ModelInspector.inspect(model);
        assertEquals(GainModel.SOURCES, spec.sources());
        assertEquals(44_100, spec.sampleRate());
        assertEquals(GainModel.SEGMENT_SAMPLES, spec.segmentSamples());

        float[][] mix = Signals.music(9 * 44_100, 44_100, 3);
        double sum = 0;
        for (int i = 0; i < mix[0].length; i++) {
            sum += (mix[0][i] + mix[1][i]) / 2.0;
        }
        double m = sum / mix[0].length;
        try (SessionPool pool = SessionPool.create();
             Separator separator = Separator.open(model, SeparationOptions.defaults(), pool)) {
            Stems stems = separator.separate(AudioBuffer.of(44_100, mix));
            assertEquals(GainModel.SOURCES, stems.names());
            for (String name : GainModel.SOURCES) {
                float[][] s = stems.get(name).data();
                double worst = 0;
                for (int c = 0; c < 2; c++) {
                    for (int i = 0; i < mix[0].length; i++) {
                        worst = Math.max(worst, Math.abs(s[c][i] - (0.5 * (mix[c][i] - m) + m)));
                    }
                }
                assertTrue(worst < 1e-4, name + ": max error " + worst);
            }
        }
    }
}
