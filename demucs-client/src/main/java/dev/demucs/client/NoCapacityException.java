package dev.demucs.client;

/** The provider has no machine of the requested GPU type right now; another type may have one. */
public final class NoCapacityException extends ClientException {

    public NoCapacityException(String message) {
        super(Kind.UNAVAILABLE, message);
    }
}
