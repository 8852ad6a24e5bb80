package dev.demucs.ffmpeg;

import java.time.Duration;

/**
 * Network settings for URL inputs ({@code http://}, {@code https://}); local files ignore them.
 *
 * @param connectTimeout longest wait to open the connection (and to get the response headers)
 * @param readTimeout    longest time without any data arriving once connected; a server that
 *                       stalls for longer fails the read with a time-out error
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
