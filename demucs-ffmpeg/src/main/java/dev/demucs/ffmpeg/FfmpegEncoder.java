package dev.demucs.ffmpeg;

import dev.demucs.ffmpeg.MediaIOException.Reason;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.ShortPointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_SMALL_LAST_FRAME;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_VARIABLE_FRAME_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_FLAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MP3;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_F32LE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_S16LE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_S24LE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_SKIP_SAMPLES;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_new_side_data;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_GLOBALHEADER;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S32;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;

/**
 * One encoding pass into one file: planar float in, already clip-processed; converted to the
 * codec's sample format here (integers: clamp to [−1, 1], scale by 2^(bits−1) − 1, round) and
 * fed frame by frame. Native memory is one codec frame; nothing grows with the length.
 */
final class FfmpegEncoder implements AutoCloseable {

    /** Frames per chunk for codecs that accept any frame size (PCM). */
    private static final int PCM_FRAME_SIZE = 4096;

    private final String name;
    private final AudioFormat audioFormat;
    private final int channels;
    private AVFormatContext output;
    private AVCodecContext codec;
    private AVStream stream;
    private AVFrame frame;
    private AVPacket packet;
    /** MP3 only: the system's LAME when it encodes instead of the bundled one ({@link SystemLame}). */
    private SystemLame lame;
    private int frameSize;
    private int fill;
    private long pts;
    private boolean smallLastFrame;
    private boolean headerWritten;
    private boolean finished;
    private boolean closed;
    private short[] s16;
    private int[] s32;
    private float[] f32;

    private FfmpegEncoder(String name, AudioFormat format, int channels) {
        this.name = name;
        this.audioFormat = format;
        this.channels = channels;
        Native.OPEN_HANDLES.incrementAndGet();
    }

    /**
     * Opens an encoder writing to {@code file}.
     *
     * @param displayName the name errors mention (the final target, not the temporary file)
     * @param mp3Quality  LAME's algorithm quality (MP3 only; {@link EncoderOptions#mp3Quality()})
     */
    static FfmpegEncoder open(Path file, String displayName, AudioFormat format, int sampleRate, int channels,
                              int bitrateKbps, int mp3Quality) {
        Native.init();
        FfmpegEncoder e = new FfmpegEncoder(displayName, format, channels);
        try {
            e.start(file, sampleRate, bitrateKbps, mp3Quality);
            return e;
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
    }

    private void start(Path file, int sampleRate, int bitrateKbps, int mp3Quality) {
        String muxer;
        int codecId;
        int sampleFormat;
        String encoderName = null;
        switch (audioFormat) {
            case WAV_PCM16:
                muxer = "wav";
                codecId = AV_CODEC_ID_PCM_S16LE;
                sampleFormat = AV_SAMPLE_FMT_S16;
                break;
            case WAV_PCM24:
                muxer = "wav";
                codecId = AV_CODEC_ID_PCM_S24LE;
                sampleFormat = AV_SAMPLE_FMT_S32;
                break;
            case WAV_FLOAT32:
                muxer = "wav";
                codecId = AV_CODEC_ID_PCM_F32LE;
                sampleFormat = AV_SAMPLE_FMT_FLT;
                break;
            case FLAC:
                muxer = "flac";
                codecId = AV_CODEC_ID_FLAC;
                sampleFormat = AV_SAMPLE_FMT_S16;
                break;
            case MP3:
                muxer = "mp3";
                codecId = AV_CODEC_ID_MP3;
                sampleFormat = AV_SAMPLE_FMT_FLTP;
                encoderName = "libmp3lame";
                break;
            case M4A:
                muxer = "ipod";
                codecId = AV_CODEC_ID_AAC;
                sampleFormat = AV_SAMPLE_FMT_FLTP;
                encoderName = "aac";
                break;
            default:
                throw new IllegalArgumentException("unknown format " + audioFormat);
        }
        AVCodec encoder = encoderName == null ? null : avcodec_find_encoder_by_name(encoderName);
        if (encoder == null || encoder.isNull()) {
            encoder = avcodec_find_encoder(codecId);
        }
        if (encoder == null || encoder.isNull()) {
            throw fail("this FFmpeg build has no " + audioFormat + " encoder");
        }
        String url = "file:" + file.toAbsolutePath();
        output = new AVFormatContext(null);
        // the URL is kept by the context: M4A's faststart pass reopens the file through it
        int ret = avformat_alloc_output_context2(output, null, muxer, url);
        if (ret < 0 || output.isNull()) {
            output = null;
            throw fail("cannot create the " + muxer + " muxer: " + Native.describe(ret));
        }
        codec = avcodec_alloc_context3(encoder);
        codec.sample_fmt(sampleFormat);
        codec.sample_rate(sampleRate);
        av_channel_layout_default(codec.ch_layout(), channels);
        codec.time_base(new AVRational().num(1).den(sampleRate));
        if (audioFormat == AudioFormat.MP3 || audioFormat == AudioFormat.M4A) {
            codec.bit_rate(bitrateKbps * 1000L);
        }
        if (audioFormat == AudioFormat.MP3) {
            codec.compression_level(mp3Quality); // libmp3lame: lame_set_quality, as upstream's lameenc preset
        }
        if (audioFormat == AudioFormat.WAV_PCM24) {
            codec.bits_per_raw_sample(24);
        }
        if ((output.oformat().flags() & AVFMT_GLOBALHEADER) != 0) {
            codec.flags(codec.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
        }
        if (audioFormat == AudioFormat.MP3) {
            lame = SystemLame.openOrNull(sampleRate, channels, bitrateKbps, mp3Quality);
        }
        if (lame != null) {
            // The context stays unopened: it only carries the stream parameters FFmpeg's
            // libmp3lame wrapper would report; the frames come from the system's LAME.
            codec.frame_size(lame.frameSize());
            codec.initial_padding(lame.initialPadding());
            ret = 0;
        } else {
            ret = avcodec_open2(codec, encoder, (AVDictionary) null);
        }
        if (ret < 0) {
            throw fail("cannot open the " + encoder.name().getString() + " encoder (" + sampleRate + " Hz, "
                    + channels + " ch" + (codec.bit_rate() > 0 ? ", " + bitrateKbps + " kbit/s" : "") + "): "
                    + Native.describe(ret));
        }
        stream = avformat_new_stream(output, null);
        ret = avcodec_parameters_from_context(stream.codecpar(), codec);
        if (ret < 0) {
            throw fail("cannot configure the output stream: " + Native.describe(ret));
        }
        stream.time_base(codec.time_base());

        AVIOContext pb = new AVIOContext(null);
        ret = avio_open(pb, url, AVIO_FLAG_WRITE);
        if (ret < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot create the file: " + Native.describe(ret));
        }
        output.pb(pb);
        AVDictionary muxOptions = new AVDictionary(null);
        if (audioFormat == AudioFormat.M4A) {
            av_dict_set(muxOptions, "movflags", "+faststart", 0);
        }
        ret = avformat_write_header(output, muxOptions);
        av_dict_free(muxOptions);
        if (ret < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot write the header: " + Native.describe(ret));
        }
        headerWritten = true;
        packet = av_packet_alloc();
        if (lame != null) {
            return; // samples go to LAME as they come, not through an AVFrame
        }

        int capabilities = encoder.capabilities();
        if (codec.frame_size() <= 0 || (capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0) {
            frameSize = PCM_FRAME_SIZE;
            smallLastFrame = true;
        } else {
            frameSize = codec.frame_size();
            smallLastFrame = (capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
        }
        frame = av_frame_alloc();
        frame.format(sampleFormat);
        frame.sample_rate(sampleRate);
        av_channel_layout_copy(frame.ch_layout(), codec.ch_layout());
        frame.nb_samples(frameSize);
        ret = av_frame_get_buffer(frame, 0);
        if (ret < 0) {
            throw fail("cannot allocate an audio frame: " + Native.describe(ret));
        }
        switch (sampleFormat == AV_SAMPLE_FMT_S16 ? 0 : sampleFormat == AV_SAMPLE_FMT_S32 ? 1 : 2) {
            case 0:
                s16 = new short[frameSize * channels];
                break;
            case 1:
                s32 = new int[frameSize * channels];
                break;
            default:
                f32 = new float[frameSize * (sampleFormat == AV_SAMPLE_FMT_FLT ? channels : 1)];
                break;
        }
    }

    /** Whether the system's libmp3lame encodes this MP3 (false for the bundled one and other formats). */
    boolean usesSystemLame() {
        return lame != null;
    }

    /** Encodes {@code frames} frames of {@code planar[c][offset ..]} (already clip-processed). */
    void write(float[][] planar, int offset, int frames) {
        if (lame != null) {
            try {
                lame.encode(planar, offset, frames);
            } catch (MediaIOException e) {
                throw fail("encoding failed: " + e.getMessage());
            }
            writeLameFrames();
            return;
        }
        int done = 0;
        while (done < frames) {
            if (fill == 0) {
                int r = av_frame_make_writable(frame);
                if (r < 0) {
                    throw fail("cannot reuse the audio frame: " + Native.describe(r));
                }
            }
            int n = Math.min(frames - done, frameSize - fill);
            put(planar, offset + done, n);
            fill += n;
            done += n;
            if (fill == frameSize) {
                sendFrame(frameSize);
            }
        }
    }

    /** Converts n frames into the native frame at position {@code fill}. */
    private void put(float[][] planar, int from, int n) {
        if (s16 != null) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    s16[k++] = (short) Math.round(clamp(planar[c][from + i]) * 32767f);
                }
            }
            new ShortPointer(frame.data(0)).position((long) fill * channels).put(s16, 0, n * channels);
        } else if (s32 != null) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    // 24 significant bits in the top of a 32-bit sample (pcm_s24le keeps the top 24)
                    s32[k++] = (int) Math.round(clamp(planar[c][from + i]) * 8388607.0) << 8;
                }
            }
            new IntPointer(frame.data(0)).position((long) fill * channels).put(s32, 0, n * channels);
        } else if (frame.format() == AV_SAMPLE_FMT_FLT) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    f32[k++] = planar[c][from + i];
                }
            }
            new FloatPointer(frame.data(0)).position((long) fill * channels).put(f32, 0, n * channels);
        } else {
            for (int c = 0; c < channels; c++) {
                new FloatPointer(frame.extended_data(c)).position(fill).put(planar[c], from, n);
            }
        }
    }

    private static float clamp(float x) {
        if (x > 1f) {
            return 1f;
        }
        if (x < -1f) {
            return -1f;
        }
        return x != x ? 0f : x; // NaN → 0
    }

    private void sendFrame(int samples) {
        frame.nb_samples(samples);
        frame.pts(pts);
        pts += samples;
        int r = avcodec_send_frame(codec, frame);
        fill = 0;
        frame.nb_samples(frameSize);
        if (r < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": encoding failed: " + Native.describe(r));
        }
        drain();
    }

    private void drain() {
        while (true) {
            int r = avcodec_receive_packet(codec, packet);
            if (r == Native.averror(Native.EAGAIN) || r == AVERROR_EOF()) {
                return;
            }
            if (r < 0) {
                throw new MediaIOException(Reason.WRITE_FAILED, name + ": encoding failed: " + Native.describe(r));
            }
            writePacket();
        }
    }

    /** Muxes the pending frames of the system's LAME as FFmpeg's libmp3lame wrapper packs them. */
    private void writeLameFrames() {
        for (SystemLame.Frame f; (f = lame.nextFrame()) != null; ) {
            int r = av_new_packet(packet, f.bytes().length);
            if (r < 0) {
                throw fail("cannot allocate a packet: " + Native.describe(r));
            }
            packet.data().capacity(f.bytes().length).put(f.bytes());
            packet.pts(f.pts());
            packet.dts(f.pts());
            packet.duration(f.duration());
            packet.flags(AV_PKT_FLAG_KEY);
            if (f.hasSkipSamples()) {
                BytePointer side = av_packet_new_side_data(packet, AV_PKT_DATA_SKIP_SAMPLES, 10);
                if (side == null || side.isNull()) {
                    av_packet_unref(packet);
                    throw fail("cannot allocate packet side data");
                }
                side.capacity(10).put(ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(f.skipStart()).putInt(f.discard()).array());
            }
            writePacket();
        }
    }

    /** Writes {@link #packet} (timestamps in the codec's time base) and releases its data. */
    private void writePacket() {
        av_packet_rescale_ts(packet, codec.time_base(), stream.time_base());
        packet.stream_index(stream.index());
        int r = av_interleaved_write_frame(output, packet);
        av_packet_unref(packet);
        if (r < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot write: " + Native.describe(r));
        }
    }

    /** Encodes what is buffered, flushes the encoder and writes the trailer; the file is then whole. */
    void finish() {
        if (finished) {
            return;
        }
        if (lame != null) {
            try {
                lame.flush();
            } catch (MediaIOException e) {
                throw fail("encoding failed: " + e.getMessage());
            }
            writeLameFrames();
        } else {
            flushCodec();
        }
        int r = av_write_trailer(output);
        if (r < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot finish the file: " + Native.describe(r));
        }
        r = avio_closep(output.pb());
        output.pb(null);
        if (r < 0) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": cannot close the file: " + Native.describe(r));
        }
        finished = true;
    }

    /** Encodes the buffered samples and drains the codec. */
    private void flushCodec() {
        if (fill > 0) {
            if (!smallLastFrame) {
                // pad the last frame with silence
                int pad = frameSize - fill;
                float[][] zeros = new float[channels][pad];
                put(zeros, 0, pad);
                fill = frameSize;
            }
            sendFrame(fill);
        }
        int r = avcodec_send_frame(codec, null);
        if (r < 0 && r != AVERROR_EOF()) {
            throw new MediaIOException(Reason.WRITE_FAILED, name + ": encoding failed: " + Native.describe(r));
        }
        drain();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.OPEN_HANDLES.decrementAndGet();
        if (lame != null) {
            lame.close();
            lame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (codec != null) {
            avcodec_free_context(codec);
            codec = null;
        }
        if (output != null) {
            if (output.pb() != null && !output.pb().isNull()) {
                avio_closep(output.pb());
                output.pb(null);
            }
            avformat_free_context(output);
            output = null;
        }
    }

    private MediaIOException fail(String what) {
        return new MediaIOException(Reason.WRITE_FAILED, name + ": " + what);
    }
}
