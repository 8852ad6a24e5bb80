package dev.demucs.ffmpeg;

import dev.demucs.ffmpeg.MediaIOException.Reason;
import java.util.Arrays;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_READ;
import static org.bytedeco.ffmpeg.global.avformat.av_probe_input_buffer2;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open2;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

/**
 * What FFmpeg may open for an input, for every caller: only the {@code file} and {@code pipe}
 * protocols (URLs are fetched by demucs-net, never by FFmpeg), and only demuxers of
 * self-contained audio/media files. Playlists and manifests (hls/m3u8, dash, concat/ffconcat,
 * imf, webm_dash_manifest), image sequences (image2, *_pipe), tee, sdp/rtp/rtsp and every other
 * demuxer that can open further resources are refused before FFmpeg reads past the probe.
 *
 * <p>The format is detected with FFmpeg's own probe on a context opened with the protocol
 * whitelist, checked against {@link #ACCEPTED}, and then forced when the input is opened, again
 * with the protocol and format whitelists (which nested opens inherit).
 */
final class InputLockdown {

    /** Protocols FFmpeg may use, for the input and anything it opens. */
    static final String PROTOCOLS = "file,pipe";

    /** Demuxers of self-contained files (FFmpeg's short names). */
    static final Set<String> ACCEPTED = Set.of(
            "wav", "w64", "mp3", "flac", "ogg", "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm",
            "aac", "loas", "aiff", "caf", "wv", "ape", "ac3", "eac3", "dts", "dtshd", "truehd", "mlp", "asf",
            "avi", "mpeg", "mpegts", "amr", "amrnb", "amrwb", "au", "tta", "tak", "mpc", "mpc8", "shn", "dsf",
            "flv", "rm", "voc", "nut", "sox", "ircam", "xwma", "oma", "aea", "wsaud", "mlv");

    private static final String FORMAT_WHITELIST = String.join(",", ACCEPTED);

    private InputLockdown() {
    }

    /** Options for {@code avformat_open_input}: the protocol and format whitelists. The caller frees them. */
    static AVDictionary options() {
        AVDictionary options = new AVDictionary(null);
        av_dict_set(options, "protocol_whitelist", PROTOCOLS, 0);
        av_dict_set(options, "format_whitelist", FORMAT_WHITELIST, 0);
        return options;
    }

    /** Whether a demuxer name (possibly a comma list such as {@code "mov,mp4,m4a,3gp,3g2,mj2"}) is accepted. */
    static boolean accepted(String demuxerNames) {
        return Arrays.stream(demuxerNames.split(",")).anyMatch(ACCEPTED::contains);
    }

    /**
     * Probes {@code url} the way {@code avformat_open_input} would and returns the demuxer to
     * force.
     *
     * @throws MediaIOException {@link Reason#NOT_AUDIO} naming the detected format when it is
     *                          not accepted; the probe's own failure otherwise
     */
    static AVInputFormat detect(String url, IntFunction<MediaIOException> openError,
                                BiFunction<Reason, String, MediaIOException> fail) {
        AVIOContext pb = new AVIOContext(null);
        AVDictionary options = new AVDictionary(null);
        av_dict_set(options, "protocol_whitelist", PROTOCOLS, 0);
        int ret = avio_open2(pb, url, AVIO_FLAG_READ, null, options);
        av_dict_free(options);
        if (ret < 0) {
            throw openError.apply(ret);
        }
        AVInputFormat format = new AVInputFormat(null);
        try {
            ret = av_probe_input_buffer2(pb, format, url, null, 0, 0);
        } finally {
            avio_closep(pb);
        }
        if (ret < 0) {
            throw openError.apply(ret);
        }
        String name = format.name().getString();
        if (!accepted(name)) {
            String longName = format.long_name() == null || format.long_name().isNull() ? name : format.long_name().getString();
            throw fail.apply(Reason.NOT_AUDIO, "format '" + name + "' (" + longName + ") is not accepted: only"
                    + " self-contained audio/media files are read, never playlists, lists or sequences that open other files");
        }
        return format;
    }
}
