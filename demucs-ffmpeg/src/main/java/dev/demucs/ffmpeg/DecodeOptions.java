package dev.demucs.ffmpeg;

import java.time.Duration;

/**
 * Time limits for opening and reading an input (a file on a stalled network file system or a
 * pipe that stops delivering fails instead of hanging).
 *
 * @param connectTimeout part of the limit for opening the input and reading its stream information
 *                       (that limit is {@code connectTimeout + readTimeout})
 * @param readTimeout    longest wait for one packet
 */
public record DecodeOptions(Duration connectTimeout, Duration readTimeout) {

    public DecodeOptions {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be > 0, got " + connectTimeout);
        }
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout must be > 0, got " + readTimeout);
        }
    }

    /** 15 s to connect, 30 s without data. */
    public static DecodeOptions defaults() {
        return new DecodeOptions(Duration.ofSeconds(15), Duration.ofSeconds(30));
    }
}
