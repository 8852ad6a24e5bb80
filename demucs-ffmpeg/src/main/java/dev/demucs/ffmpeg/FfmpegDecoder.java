package dev.demucs.ffmpeg;

import dev.demucs.core.audio.AudioSource;
import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_DURATION_FROM_PTS;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_DURATION_FROM_STREAM;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXIT;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AV_CHANNEL_ORDER_UNSPEC;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_TIME_BASE;
import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_ALL;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_get;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

/**
 * One decoding pass over an {@link FfmpegInput}: demux → decode → resample/re-map to planar
 * float at the requested rate and channel count, delivered by pull. Frames before
 * {@code skipFrames} are decoded and dropped; the pass ends at {@code endFrame}.
 *
 * <p>Channel mapping: mono is duplicated, stereo to mono is the mean of the two channels, more
 * than two channels are down-mixed by libswresample's default matrix. Native memory is a few
 * decoded frames; nothing grows with the input's length.
 */
final class FfmpegDecoder implements AudioSource {

    /** Consecutive packets that fail to decode before the input is declared corrupt. */
    private static final int MAX_CONSECUTIVE_DECODE_ERRORS = 32;

    private final FfmpegInput input;
    private final String name;
    private final int sampleRate;
    private final int channels;
    private final long skipFrames;
    private final long endFrame;

    private AVFormatContext format;
    private Interrupts.Deadline deadline;
    private AVCodecContext codec;
    private int streamIndex;
    private AVPacket packet;
    private AVFrame frame;
    private SwrContext swr;
    private int swrInRate = -1;
    private int swrInFormat = -1;
    private AVChannelLayout swrInLayout;
    private int swrChannels;
    private FloatPointer[] planes;
    private PointerPointer<FloatPointer> planePointers;
    private int planeCapacity;

    private float[][] pending = new float[0][];
    private int pendingPos;
    private int pendingLen;
    private long position;
    private boolean packetsEnded;
    private boolean decoderDrained;
    private boolean finished;
    private int consecutiveErrors;
    private long framesDecoded;
    private int decodeErrors;
    private boolean closed;

    private FfmpegDecoder(FfmpegInput input, long skipFrames, long endFrame) {
        this.input = input;
        this.name = input.description();
        this.sampleRate = input.sampleRate();
        this.channels = input.channels();
        this.skipFrames = skipFrames;
        this.endFrame = endFrame;
        Native.OPEN_HANDLES.incrementAndGet();
    }

    /** Opens a pass delivering frames {@code [skipFrames, endFrame)} of the whole decode. */
    static FfmpegDecoder open(FfmpegInput input, long skipFrames, long endFrame) {
        FfmpegDecoder d = new FfmpegDecoder(input, skipFrames, endFrame);
        try {
            d.openContainer();
            d.openCodec();
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** Reads container-level facts without decoding. */
    static MediaInfo probe(FfmpegInput input) {
        FfmpegDecoder d = new FfmpegDecoder(input, 0, Long.MAX_VALUE);
        try {
            d.openContainer();
            AVStream stream = d.format.streams(d.streamIndex);
            AVCodecParameters par = stream.codecpar();
            double duration = Double.NaN;
            if (d.format.duration() != AV_NOPTS_VALUE && d.format.duration() > 0) {
                duration = d.format.duration() / (double) AV_TIME_BASE;
            } else if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
                duration = stream.duration() * stream.time_base().num() / (double) stream.time_base().den();
            }
            String codecName = avcodec_get_name(par.codec_id()).getString();
            return new MediaInfo(d.name, duration, par.sample_rate(), par.ch_layout().nb_channels(), codecName,
                    d.tag(stream, "title"), d.tag(stream, "artist"));
        } finally {
            d.close();
        }
    }

    private Optional<String> tag(AVStream stream, String key) {
        for (AVDictionary dict : new AVDictionary[] {format.metadata(), stream.metadata()}) {
            if (dict == null || dict.isNull()) {
                continue;
            }
            AVDictionaryEntry e = av_dict_get(dict, key, null, 0);
            if (e != null && !e.isNull() && e.value() != null) {
                String v = e.value().getString(java.nio.charset.StandardCharsets.UTF_8).strip();
                if (!v.isEmpty()) {
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    private void openContainer() {
        Native.init();
        if (input.isUrl()) {
            throw fail(Reason.NOT_FOUND, "is a URL: FFmpeg reads local files only here; download it first "
                    + "(the CLI and the server do, through demucs-net's fetcher)");
        }
        Path path = Path.of(input.pathOrUrl());
        if (!Files.exists(path)) {
            throw fail(Reason.NOT_FOUND, "no such file");
        }
        if (Files.isDirectory(path)) {
            throw fail(Reason.NOT_FOUND, "is a directory, not an audio file");
        }
        if (!Files.isReadable(path)) {
            throw fail(Reason.NOT_FOUND, "file is not readable");
        }
        try {
            if (Files.size(path) == 0) {
                throw fail(Reason.EMPTY, "file is empty");
            }
        } catch (IOException e) {
            throw new MediaIOException(Reason.NOT_FOUND, name + ": cannot read the file: " + e.getMessage(), e);
        }
        // "file:" keeps FFmpeg from reading a colon in the name as a protocol prefix.
        String url = "file:" + path.toAbsolutePath();
        AVInputFormat detected = InputLockdown.detect(url, this::openError, this::fail);
        format = avformat_alloc_context();
        if (format == null || format.isNull()) {
            throw new OutOfMemoryError("avformat_alloc_context");
        }
        deadline = Interrupts.install(format);
        AVDictionary options = InputLockdown.options();
        DecodeOptions opts = input.options();
        long openNanos = opts.connectTimeout().toNanos() + opts.readTimeout().toNanos();
        deadline.arm(openNanos);
        int ret = avformat_open_input(format, url, detected, options);
        av_dict_free(options);
        if (ret < 0) {
            format = null; // freed by avformat_open_input on failure
            throw openError(ret);
        }
        deadline.arm(openNanos);
        ret = avformat_find_stream_info(format, (PointerPointer<?>) null);
        if (ret < 0) {
            throw openError(ret);
        }
        deadline.disarm();
        streamIndex = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, (PointerPointer<?>) null, 0);
        if (streamIndex < 0) {
            throw fail(Reason.NO_AUDIO_STREAM, "no audio stream (the " + format.iformat().name().getString()
                    + " container holds " + format.nb_streams() + " other stream(s))");
        }
        if ("wav".equals(format.iformat().name().getString())) {
            long missing = RiffCheck.missingDataBytes(Path.of(input.pathOrUrl()));
            if (missing > 0) {
                throw fail(Reason.TRUNCATED, "truncated: the WAV header declares " + missing
                        + " more bytes of audio than the file holds");
            }
        }
        for (int i = 0; i < format.nb_streams(); i++) {
            if (i != streamIndex) {
                format.streams(i).discard(AVDISCARD_ALL);
            }
        }
    }

    private void openCodec() {
        AVStream stream = format.streams(streamIndex);
        AVCodecParameters par = stream.codecpar();
        AVCodec decoder = avcodec_find_decoder(par.codec_id());
        if (decoder == null || decoder.isNull()) {
            throw fail(Reason.UNSUPPORTED_CODEC, "no decoder for the audio codec "
                    + avcodec_get_name(par.codec_id()).getString());
        }
        codec = avcodec_alloc_context3(decoder);
        int ret = avcodec_parameters_to_context(codec, par);
        if (ret < 0) {
            throw ffmpegError("cannot set up the decoder", ret);
        }
        codec.pkt_timebase(stream.time_base());
        ret = avcodec_open2(codec, decoder, (AVDictionary) null);
        if (ret < 0) {
            throw fail(Reason.CORRUPT, "cannot open the " + decoder.name().getString() + " decoder: "
                    + Native.describe(ret));
        }
        packet = av_packet_alloc();
        frame = av_frame_alloc();
    }

    @Override
    public int sampleRate() {
        return sampleRate;
    }

    @Override
    public int channels() {
        return channels;
    }

    /** Always -1: container durations are estimates for some formats and resampling rounds. */
    @Override
    public long lengthFrames() {
        return -1;
    }

    @Override
    public int read(float[][] dst, int offset, int frames) {
        if (closed) {
            throw new IllegalStateException(name + ": source is closed");
        }
        if (frames <= 0) {
            return 0;
        }
        while (true) {
            if (position >= endFrame || finished && pendingLen == 0) {
                return -1;
            }
            if (pendingLen == 0) {
                fill();
                continue;
            }
            if (position < skipFrames) {
                int drop = (int) Math.min(pendingLen, skipFrames - position);
                pendingPos += drop;
                pendingLen -= drop;
                position += drop;
                continue;
            }
            int n = (int) Math.min(Math.min(frames, pendingLen), endFrame - position);
            for (int c = 0; c < channels; c++) {
                System.arraycopy(pending[c], pendingPos, dst[c], offset, n);
            }
            pendingPos += n;
            pendingLen -= n;
            position += n;
            return n;
        }
    }

    /** Decodes until some frames are pending or the stream is finished. */
    private void fill() {
        pendingPos = 0;
        pendingLen = 0;
        while (pendingLen == 0 && !finished) {
            if (!decoderDrained) {
                int r = avcodec_receive_frame(codec, frame);
                if (r >= 0) {
                    consecutiveErrors = 0;
                    convert(frame);
                    av_frame_unref(frame);
                    continue;
                }
                if (r == AVERROR_EOF()) {
                    decoderDrained = true;
                    continue;
                }
                if (r != Native.averror(Native.EAGAIN)) {
                    decodeError(r);
                    continue;
                }
                if (packetsEnded) {
                    decoderDrained = true;
                    continue;
                }
                readPacket();
                continue;
            }
            // decoder drained: flush the resampler, then check the length
            flushResampler();
            finished = true;
            checkComplete();
        }
    }

    private void readPacket() {
        deadline.arm(input.options().readTimeout().toNanos());
        int r = av_read_frame(format, packet);
        deadline.disarm();
        if (r == AVERROR_EOF()) {
            packetsEnded = true;
            avcodec_send_packet(codec, null);
            return;
        }
        if (r < 0) {
            throw readError(r);
        }
        try {
            if (packet.stream_index() != streamIndex) {
                return;
            }
            int s = avcodec_send_packet(codec, packet);
            if (s < 0 && s != Native.averror(Native.EAGAIN)) {
                decodeError(s);
            }
        } finally {
            av_packet_unref(packet);
        }
    }

    private void decodeError(int code) {
        decodeErrors++;
        consecutiveErrors++;
        if (consecutiveErrors >= MAX_CONSECUTIVE_DECODE_ERRORS) {
            throw fail(Reason.CORRUPT, "corrupt audio data (" + consecutiveErrors
                    + " consecutive packets failed to decode: " + Native.describe(code) + ")");
        }
    }

    private void checkComplete() {
        if (framesDecoded == 0) {
            if (decodeErrors > 0) {
                throw fail(Reason.CORRUPT, "corrupt audio data (no packet could be decoded)");
            }
            throw fail(Reason.EMPTY, "the audio stream holds no samples");
        }
        int method = format.duration_estimation_method();
        if (method != AVFMT_DURATION_FROM_STREAM && method != AVFMT_DURATION_FROM_PTS) {
            return;
        }
        AVStream stream = format.streams(streamIndex);
        double declared = Double.NaN;
        if (stream.duration() != AV_NOPTS_VALUE && stream.duration() > 0) {
            declared = stream.duration() * stream.time_base().num() / (double) stream.time_base().den();
        } else if (format.duration() != AV_NOPTS_VALUE && format.duration() > 0) {
            declared = format.duration() / (double) AV_TIME_BASE;
        }
        double decoded = position / (double) sampleRate;
        if (!Double.isNaN(declared) && declared - decoded > Math.max(0.25, 0.005 * declared)) {
            throw fail(Reason.TRUNCATED, String.format(java.util.Locale.ROOT,
                    "truncated: the container declares %.2f s but the audio ends at %.2f s", declared, decoded));
        }
    }

    private void convert(AVFrame in) {
        ensureResampler(in);
        int nb = in.nb_samples();
        int out = swr_get_out_samples(swr, nb);
        ensureCapacity(out);
        int n = swr_convert(swr, planePointers, planeCapacity, in.extended_data(), nb);
        if (n < 0) {
            throw ffmpegError("resampling failed", n);
        }
        framesDecoded += nb;
        takePlanes(n);
    }

    private void flushResampler() {
        if (swr == null) {
            return;
        }
        while (true) {
            ensureCapacity(4096);
            int n = swr_convert(swr, planePointers, planeCapacity, (PointerPointer<?>) null, 0);
            if (n < 0) {
                throw ffmpegError("resampling failed", n);
            }
            if (n == 0) {
                return;
            }
            takePlanes(n);
        }
    }

    /** Appends n converted frames from the native planes to the pending buffer, mapping channels. */
    private void takePlanes(int n) {
        if (n == 0) {
            return;
        }
        int need = pendingLen + n;
        if (pending.length != channels || pending[0].length < pendingPos + need) {
            float[][] grown = new float[channels][Math.max(need, 4096)];
            for (int c = 0; c < pending.length && c < channels; c++) {
                System.arraycopy(pending[c], pendingPos, grown[c], 0, pendingLen);
            }
            pending = grown;
            pendingPos = 0;
        }
        int at = pendingPos + pendingLen;
        if (swrChannels == channels) {
            for (int c = 0; c < channels; c++) {
                planes[c].get(pending[c], at, n);
            }
        } else if (swrChannels == 1) {
            // mono source: duplicate to every output channel
            planes[0].get(pending[0], at, n);
            for (int c = 1; c < channels; c++) {
                System.arraycopy(pending[0], at, pending[c], at, n);
            }
        } else {
            // stereo source, mono output: the mean of the two channels
            float[] right = new float[n];
            planes[0].get(pending[0], at, n);
            planes[1].get(right, 0, n);
            for (int i = 0; i < n; i++) {
                pending[0][at + i] = 0.5f * (pending[0][at + i] + right[i]);
            }
        }
        pendingLen += n;
    }

    private void ensureCapacity(int frames) {
        if (planes != null && planeCapacity >= frames) {
            return;
        }
        int cap = Math.max(frames, 8192);
        freePlanes();
        planes = new FloatPointer[swrChannels];
        planePointers = new PointerPointer<>(swrChannels);
        for (int c = 0; c < swrChannels; c++) {
            planes[c] = new FloatPointer(cap);
            planePointers.put(c, planes[c]);
        }
        planeCapacity = cap;
    }

    private void freePlanes() {
        if (planes != null) {
            for (FloatPointer p : planes) {
                p.close();
            }
            planes = null;
        }
        if (planePointers != null) {
            planePointers.close();
            planePointers = null;
        }
        planeCapacity = 0;
    }

    private void ensureResampler(AVFrame in) {
        AVChannelLayout layout = in.ch_layout();
        if (swr != null && in.sample_rate() == swrInRate && in.format() == swrInFormat
                && layout.nb_channels() == swrInLayout.nb_channels()) {
            return;
        }
        if (swr != null) {
            // parameters changed mid-stream: drain the old resampler first
            flushResampler();
            freeResampler();
        }
        int inChannels = layout.nb_channels();
        AVChannelLayout inLayout = new AVChannelLayout();
        if (layout.order() == AV_CHANNEL_ORDER_UNSPEC) {
            av_channel_layout_default(inLayout, inChannels);
        } else {
            av_channel_layout_copy(inLayout, layout);
        }
        AVChannelLayout outLayout = new AVChannelLayout();
        if (inChannels <= 2) {
            // mono and stereo are mapped in Java (duplicate / mean): no matrix, no gain change
            av_channel_layout_copy(outLayout, inLayout);
            swrChannels = inChannels;
        } else {
            av_channel_layout_default(outLayout, channels);
            swrChannels = channels;
        }
        PointerPointer<SwrContext> holder = new PointerPointer<>(1);
        holder.put(0, (org.bytedeco.javacpp.Pointer) null);
        int ret = swr_alloc_set_opts2(holder, outLayout, AV_SAMPLE_FMT_FLTP, sampleRate,
                inLayout, in.format(), in.sample_rate(), 0, null);
        av_channel_layout_uninit(outLayout);
        if (ret < 0) {
            av_channel_layout_uninit(inLayout);
            holder.close();
            throw ffmpegError("cannot set up the resampler", ret);
        }
        swr = new SwrContext(holder.get(0));
        holder.close();
        ret = swr_init(swr);
        if (ret < 0) {
            av_channel_layout_uninit(inLayout);
            throw ffmpegError("cannot set up the resampler", ret);
        }
        swrInRate = in.sample_rate();
        swrInFormat = in.format();
        swrInLayout = inLayout;
        freePlanes();
    }

    private void freeResampler() {
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        if (swrInLayout != null) {
            av_channel_layout_uninit(swrInLayout);
            swrInLayout.close();
            swrInLayout = null;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.OPEN_HANDLES.decrementAndGet();
        freeResampler();
        freePlanes();
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (codec != null) {
            avcodec_free_context(codec);
            codec = null;
        }
        if (format != null) {
            avformat_close_input(format);
            format = null;
        }
        if (deadline != null) {
            deadline.close();
            deadline = null;
        }
        pending = new float[0][];
    }

    // ---- errors ----

    MediaIOException fail(Reason reason, String what) {
        return new MediaIOException(reason, name + ": " + what);
    }

    private MediaIOException ffmpegError(String what, int code) {
        return fail(Reason.OTHER, what + ": " + Native.describe(code));
    }

    private boolean timedOut(int code) {
        return code == Native.averror(Native.ETIMEDOUT) || code == AVERROR_EXIT() && deadline != null && deadline.fired();
    }

    MediaIOException openError(int code) {
        if (timedOut(code)) {
            return fail(Reason.TIMEOUT, "timed out opening (" + timeouts() + ")");
        }
        if (code == AVERROR_INVALIDDATA()) {
            return fail(Reason.NOT_AUDIO, "not an audio or media file FFmpeg recognises (" + Native.describe(code) + ")");
        }
        if (code == Native.averror(Native.ENOENT)) {
            return fail(Reason.NOT_FOUND, "no such file");
        }
        if (code == AVERROR_EOF()) {
            return fail(Reason.EMPTY, "no data (the input ends before any audio)");
        }
        return fail(Reason.OTHER, "cannot open: " + Native.describe(code));
    }

    private MediaIOException readError(int code) {
        if (timedOut(code)) {
            return fail(Reason.TIMEOUT, "timed out reading: no data for " + timeouts());
        }
        if (code == AVERROR_INVALIDDATA()) {
            return fail(Reason.CORRUPT, "corrupt data in the container (" + Native.describe(code) + ")");
        }
        return fail(Reason.CORRUPT, "read error (" + Native.describe(code) + ")");
    }

    private String timeouts() {
        DecodeOptions o = input.options();
        return "open time-out " + o.connectTimeout().toMillis() + " ms, read time-out "
                + o.readTimeout().toMillis() + " ms";
    }
}
