package dev.demucs.core;

/** A model file exists but is not a usable Demucs model (not ONNX, unexpected shapes, inconsistent bag). */
public class InvalidModelException extends DemucsException {
    public InvalidModelException(String message) {
        super(Reason.INVALID_MODEL, message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(Reason.INVALID_MODEL, message, cause);
    }
}
