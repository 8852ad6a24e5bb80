package dev.demucs.core;

/** A model file (or named model) does not exist or cannot be read. */
public class ModelNotFoundException extends DemucsException {
    public ModelNotFoundException(String message) {
        super(Reason.MODEL_NOT_FOUND, message);
    }

    public ModelNotFoundException(String message, Throwable cause) {
        super(Reason.MODEL_NOT_FOUND, message, cause);
    }
}
