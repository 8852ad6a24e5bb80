package dev.demucs.core;

/** ONNX Runtime failed while running a model, or an execution device could not be set up. */
public class InferenceException extends DemucsException {
    public InferenceException(String message) {
        super(Reason.INFERENCE, message);
    }

    public InferenceException(String message, Throwable cause) {
        super(Reason.INFERENCE, message, cause);
    }
}
