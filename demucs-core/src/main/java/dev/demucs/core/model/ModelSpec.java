package dev.demucs.core.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a Demucs ONNX model is, as read from its graph and metadata_props.
 *
 * @param path            the ONNX file (for a bag: the first member's)
 * @param form            which public form
 * @param sources         stem names in output order
 * @param sampleRate      Hz (metadata {@code sample_rate}, else 44 100)
 * @param segmentSamples  L, the samples per model run (metadata {@code segment_samples}, else
 *                        the input's shape)
 * @param spectrogramFrames F of the two-input form (ceil(L / 1024)), 0 for single-graph
 * @param maxBatch        1 when the batch dimension is fixed at 1, else
 *                        {@link Integer#MAX_VALUE} (dynamic)
 * @param inputNames      graph input names: waveform first, then the spectrogram if any
 * @param outputNames     graph output names: two-input form: frequency branch then time branch
 * @param metadata        all metadata_props of the model
 */
public record ModelSpec(Path path, ModelForm form, List<String> sources, int sampleRate, int segmentSamples,
                        int spectrogramFrames, int maxBatch, List<String> inputNames, List<String> outputNames,
                        Map<String, String> metadata) {

    public ModelSpec {
        sources = List.copyOf(sources);
        inputNames = List.copyOf(inputNames);
        outputNames = List.copyOf(outputNames);
        metadata = Map.copyOf(metadata);
    }

    public double segmentSeconds() {
        return (double) segmentSamples / sampleRate;
    }
}
