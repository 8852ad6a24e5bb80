package dev.demucs.core;

/**
 * The device a {@link Separator} actually runs on, and why it differs from the one asked for.
 *
 * @param device          cpu or cuda:N, never auto (what {@link Device#auto()} resolved to)
 * @param fallbackReason  why {@link Device#auto()} fell back to the CPU, or {@code null} when it
 *                        did not fall back
 */
public record DeviceInUse(Device device, String fallbackReason) {

    public DeviceInUse {
        if (device == null || device.kind() == Device.Kind.AUTO) {
            throw new IllegalArgumentException("the device in use must be cpu or cuda:N, got " + device);
        }
    }

    /** Whether the separator runs on the CPU because CUDA could not be used. */
    public boolean fellBack() {
        return fallbackReason != null;
    }

    @Override
    public String toString() {
        return fallbackReason == null ? device.toString() : device + " (" + fallbackReason + ")";
    }
}
