package dev.demucs.ffmpeg;

import org.bytedeco.ffmpeg.global.avutil;

import java.util.Locale;

/** Shared helpers for the FFmpeg natives: loading, log level, error codes. */
final class Native {

    /** errno values as FFmpeg's AVERROR(e) = −e uses them on this platform. */
    static final int EAGAIN;
    static final int ETIMEDOUT;
    static final int ECONNREFUSED;
    static final int EHOSTUNREACH;
    static final int ENETUNREACH;
    static final int ECONNRESET;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EACCES = 13;
    static final int ENOSPC = 28;

    static {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac") || os.contains("darwin")) {
            EAGAIN = 35;
            ETIMEDOUT = 60;
            ECONNREFUSED = 61;
            EHOSTUNREACH = 65;
            ENETUNREACH = 51;
            ECONNRESET = 54;
        } else if (os.contains("win")) {
            // FFmpeg on Windows uses the MSVC CRT errno values.
            EAGAIN = 11;
            ETIMEDOUT = 138;
            ECONNREFUSED = 107;
            EHOSTUNREACH = 110;
            ENETUNREACH = 118;
            ECONNRESET = 108;
        } else {
            EAGAIN = 11;
            ETIMEDOUT = 110;
            ECONNREFUSED = 111;
            EHOSTUNREACH = 113;
            ENETUNREACH = 101;
            ECONNRESET = 104;
        }
        // FFmpeg logs to stderr by default; errors reach the caller as exceptions instead.
        String level = System.getProperty("demucs.ffmpeg.logLevel", "");
        int av;
        switch (level.toLowerCase(Locale.ROOT)) {
            case "error":
                av = avutil.AV_LOG_ERROR;
                break;
            case "warning":
                av = avutil.AV_LOG_WARNING;
                break;
            case "info":
                av = avutil.AV_LOG_INFO;
                break;
            case "debug":
                av = avutil.AV_LOG_DEBUG;
                break;
            default:
                av = avutil.AV_LOG_QUIET;
                break;
        }
        avutil.av_log_set_level(av);
    }

    /** Decoders and encoders whose native state is not yet released (leak checks in tests). */
    static final java.util.concurrent.atomic.AtomicInteger OPEN_HANDLES = new java.util.concurrent.atomic.AtomicInteger();

    private Native() {
    }

    /** Forces the natives to load and the log level to be set. */
    static void init() {
        // the static initialiser does the work
    }

    static int averror(int errno) {
        return -errno;
    }

    /** FFmpeg's text for an error code. */
    static String describe(int code) {
        byte[] buf = new byte[256];
        avutil.av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
