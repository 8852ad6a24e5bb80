package dev.demucs.core.model;

/** The two public ONNX forms of Demucs models, recognised by rank and shape, not by name. */
public enum ModelForm {
    /**
     * STFT outside the graph. Inputs: waveform [B, 2, L] and spectrogram [B, 4, 2048, F];
     * outputs: frequency branch [B, S, 4, 2048, F] and time branch [B, S, 2, L].
     */
    TWO_INPUT,
    /** STFT inside the graph. Input waveform [B, 2, L]; output stems [B, S, 2, L]. */
    SINGLE_GRAPH
}
