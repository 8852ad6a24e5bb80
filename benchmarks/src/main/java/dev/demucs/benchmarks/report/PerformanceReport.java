package dev.demucs.benchmarks.report;

import ai.onnxruntime.OrtException;
import dev.demucs.benchmarks.GainModel;
import dev.demucs.benchmarks.OrtChunkRunner;
import dev.demucs.benchmarks.Signals;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.StemSelection;
import dev.demucs.core.Cancellation;
import dev.demucs.core.audio.StemSink;
import dev.demucs.core.dsp.DemucsStft;
import dev.demucs.core.engine.OnnxHeader;
import dev.demucs.ffmpeg.AsyncStemSink;
import dev.demucs.ffmpeg.AudioFormat;
import dev.demucs.ffmpeg.AudioWriter;
import dev.demucs.ffmpeg.EncoderOptions;
import dev.demucs.ffmpeg.FfmpegInput;
import dev.demucs.ffmpeg.StemFileSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measurement programs of the performance report. Each prints {@code key=value} lines.
 *
 * <pre>
 * ort-chunk   --model M [--threads 2] [--runs 3] [--warmup 1]
 *             bare session.run of a two-input model on one chunk, after warm-up
 * separate    --model M|gain --input FILE --out DIR [--threads 2] [--shifts 1] [--calibrate-runs 3]
 *             FFmpeg decode → Separator (streaming) → vocals/no_vocals 16-bit WAV
 *             + mono no_vocals MP3 (320 kbps), encoders on their own threads;
 *             wall time, real-time factor, model runs, peak RSS (VmHWM); then, in the same
 *             JVM, bare runs of the separator's own cached session on one chunk, giving the
 *             share of wall time outside session.run = (wall − runs × bare run) / wall
 * gain-model  --out FILE   writes the benchmark gain model
 * batch-dim   --model M   prints dynamic_batch=true|false (the model's first input's first dimension)
 * stft        [--runs 20]  DemucsStft spec and ispec of one 7.8 s channel on the calling thread
 *             (median of the runs after as many warm-up runs), the host DSP the engine does per
 *             channel of a chunk; compare with {@code export_hdemucs.py stft} (torch.stft/istft)
 * </pre>
 */
public final class PerformanceReport {

    private PerformanceReport() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: PerformanceReport ort-chunk|separate|gain-model [--key value ...]");
            System.exit(2);
        }
        Map<String, String> opts = parse(Arrays.copyOfRange(args, 1, args.length));
        switch (args[0]) {
            case "ort-chunk" -> ortChunk(opts);
            case "separate" -> separate(opts);
            case "stft" -> stft(opts);
            case "batch-dim" -> print("dynamic_batch", OnnxHeader.dynamicBatch(Path.of(required(opts, "model"))));
            case "gain-model" -> {
                Path out = Path.of(required(opts, "out"));
                GainModel.write(out, GainModel.SEGMENT_SAMPLES);
                print("gain_model", out);
            }
            default -> {
                System.err.println("unknown mode: " + args[0] + " (ort-chunk, separate, gain-model, stft, batch-dim)");
                System.exit(2);
            }
        }
    }

    private static void stft(Map<String, String> opts) {
        int runs = Integer.parseInt(opts.getOrDefault("runs", "20"));
        float[] signal = Signals.music(GainModel.SEGMENT_SAMPLES, 44_100, 1)[0];
        DemucsStft stft = new DemucsStft();
        int plane = DemucsStft.BINS * DemucsStft.frames(signal.length);
        float[] spectrogram = new float[2 * plane];
        float[] back = new float[signal.length];
        double[] spec = new double[runs];
        double[] ispec = new double[runs];
        for (int i = -runs; i < runs; i++) { // the first half warms the JIT up
            long t0 = System.nanoTime();
            stft.spec(signal, 0, signal.length, spectrogram, 0, plane);
            long t1 = System.nanoTime();
            stft.ispec(spectrogram, 0, plane, signal.length, back, 0);
            long t2 = System.nanoTime();
            if (i >= 0) {
                spec[i] = (t1 - t0) / 1e6;
                ispec[i] = (t2 - t1) / 1e6;
            }
        }
        Arrays.sort(spec);
        Arrays.sort(ispec);
        print("stft_samples", signal.length);
        print("stft_frames", DemucsStft.frames(signal.length));
        print("stft_spec_ms_median", fmt(spec[runs / 2]));
        print("stft_ispec_ms_median", fmt(ispec[runs / 2]));
    }

    private static void ortChunk(Map<String, String> opts) throws OrtException {
        Path model = Path.of(required(opts, "model"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        int runs = Integer.parseInt(opts.getOrDefault("runs", "3"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1"));
        long t0 = System.nanoTime();
        try (OrtChunkRunner runner = new OrtChunkRunner(model, threads)) {
            print("ort_session_load_seconds", seconds(System.nanoTime() - t0));
            for (int i = 0; i < warmup; i++) {
                long s = System.nanoTime();
                runner.runOnce();
                print("ort_warmup_seconds", seconds(System.nanoTime() - s));
            }
            double[] times = new double[runs];
            double[] cpu = new double[runs];
            for (int i = 0; i < runs; i++) {
                long c = cpuNanos();
                long s = System.nanoTime();
                runner.runOnce();
                times[i] = (System.nanoTime() - s) / 1e9;
                cpu[i] = (cpuNanos() - c) / 1e9;
                print("ort_chunk_seconds", fmt(times[i]));
                print("ort_chunk_cpu_seconds", fmt(cpu[i]));
            }
            Arrays.sort(times);
            Arrays.sort(cpu);
            print("ort_chunk_cpu_seconds_median", fmt(cpu[runs / 2]));
            print("ort_threads", threads);
            print("ort_chunk_seconds_min", fmt(times[0]));
            print("ort_chunk_seconds_median", fmt(times[runs / 2]));
        }
        print("peak_rss_mb", peakRssMb());
    }

    private static void separate(Map<String, String> opts) throws IOException {
        String modelArg = required(opts, "model");
        Path input = Path.of(required(opts, "input"));
        Path out = Path.of(required(opts, "out"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        int shifts = Integer.parseInt(opts.getOrDefault("shifts", "1"));
        int calibrate = Integer.parseInt(opts.getOrDefault("calibrate-runs", "3"));
        Files.createDirectories(out);
        Path model;
        if (modelArg.equals("gain")) {
            model = GainModel.write(out.resolve("gain.onnx"), GainModel.SEGMENT_SAMPLES);
        } else {
            model = Path.of(modelArg);
        }
        SeparationOptions options = SeparationOptions.builder()
                .shifts(shifts)
                .intraOpThreads(threads)
                .stems(StemSelection.twoStems("vocals", StemSelection.Complement.ADD))
                .build();
        AtomicInteger modelRuns = new AtomicInteger();
        long[] firstChunkEnd = {0};
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onSeparationStart(int totalChunks, long frames) {
                modelRuns.set(totalChunks);
            }

            @Override
            public void onChunkEnd(ChunkProgress chunk) {
                if (firstChunkEnd[0] == 0) {
                    firstChunkEnd[0] = System.nanoTime();
                }
            }
        };
        double wallSeconds;
        AtomicLong wavCpu = new AtomicLong();
        AtomicLong mp3Cpu = new AtomicLong();
        long t0 = System.nanoTime();
        FfmpegInput ffmpegInput = FfmpegInput.of(input.toString(), 44_100, 2);
        double audioSeconds = ffmpegInput.probe().durationSeconds();
        long openStart = System.nanoTime();
        try (Separator separator = Separator.open(model, options)) {
            long opened = System.nanoTime();
            StemSink sink = new TeeSink(List.of(
                    new AsyncStemSink(new ThreadCpuSink(new StemFileSink(out, "", AudioFormat.WAV_PCM16,
                            EncoderOptions.defaults()), wavCpu), 4),
                    new AsyncStemSink(new ThreadCpuSink(new MonoMp3Sink(out.resolve("instrumental.mp3"), "no_vocals",
                            EncoderOptions.defaults()), mp3Cpu), 4)));
            separator.separate(ffmpegInput, sink, listener, Cancellation.NONE);
            long end = System.nanoTime();
            long processCpu = cpuNanos();
            long mainCpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            print("input", input);
            print("model", modelArg.equals("gain") ? "gain" : model.getFileName());
            print("audio_seconds", fmt(audioSeconds));
            print("threads", threads);
            print("shifts", shifts);
            print("model_runs", modelRuns.get());
            print("open_seconds", fmt((opened - openStart) / 1e9));
            print("separate_seconds", fmt((end - opened) / 1e9));
            wallSeconds = (end - t0) / 1e9;
            print("wall_seconds", fmt(wallSeconds));
            print("cpu_seconds", fmt(processCpu / 1e9));
            // Where the CPU time went, by thread: the calling thread (decode, STFT/iSTFT, overlap-add,
            // emission), the two encoder threads, and the rest (ONNX Runtime's threads, JIT, GC).
            print("cpu_main_thread_seconds", fmt(mainCpu / 1e9));
            print("cpu_wav_writer_seconds", fmt(wavCpu.get() / 1e9));
            print("cpu_mp3_writer_seconds", fmt(mp3Cpu.get() / 1e9));
            print("cpu_other_threads_seconds", fmt((processCpu - mainCpu - wavCpu.get() - mp3Cpu.get()) / 1e9));
            print("realtime_factor", fmt(audioSeconds / ((end - t0) / 1e9)));
        }
        try (var files = Files.list(out)) {
            long bytes = 0;
            List<String> names = new ArrayList<>();
            for (Path p : (Iterable<Path>) files::iterator) {
                bytes += Files.size(p);
                names.add(p.getFileName().toString());
            }
            names.sort(null);
            print("outputs", String.join(",", names));
            print("output_bytes", bytes);
        }
        print("peak_rss_mb", peakRssMb());
        if (calibrate > 0) {
            // The same cached session the separator used, bare, right after it, in this JVM.
            try (OrtChunkRunner runner = new OrtChunkRunner(model, threads)) {
                runner.runOnce();
                double[] times = new double[calibrate];
                double[] cpu = new double[calibrate];
                for (int i = 0; i < calibrate; i++) {
                    long c = cpuNanos();
                    long s = System.nanoTime();
                    runner.runOnce();
                    times[i] = (System.nanoTime() - s) / 1e9;
                    cpu[i] = (cpuNanos() - c) / 1e9;
                }
                Arrays.sort(times);
                Arrays.sort(cpu);
                double median = times[calibrate / 2];
                print("bare_run_seconds_median", fmt(median));
                print("bare_run_cpu_seconds_median", fmt(cpu[calibrate / 2]));
                print("model_seconds_estimate", fmt(modelRuns.get() * median));
                print("outside_run_share_percent", String.format(Locale.ROOT, "%.1f",
                        100 * (wallSeconds - modelRuns.get() * median) / wallSeconds));
            } catch (OrtException e) {
                throw new IllegalStateException("calibration run failed: " + e.getMessage(), e);
            }
        }
    }

    /** CPU time of this whole process (all threads, JVM included) in nanoseconds. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Peak resident set of this process in MB (VmHWM), or -1 where /proc is absent. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --key value, got " + args[i]);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    private static String seconds(long nanos) {
        return fmt(nanos / 1e9);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static void print(String key, Object value) {
        System.out.println(key + "=" + value);
        System.out.flush();
    }
}
