package dev.demucs.benchmarks;

import dev.demucs.core.Cancellation;
import dev.demucs.core.Device;
import dev.demucs.core.InferenceException;
import dev.demucs.core.ProgressListener;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.Separator;
import dev.demucs.core.Stems;
import dev.demucs.core.audio.AudioBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The device check of {@code benchmarks/gpu-check.sh}: separates generated music with the
 * full-size random htdemucs on {@code cuda:N} and on the CPU (same options, no shifts), prints the
 * largest difference between their stems and the real-time factor of each (audio seconds per
 * second of separation, after one warm-up run per device; session load excluded). A missing
 * MODEL is written with a dynamic batch dimension, so BATCH chunks go into each model call.
 *
 * <pre>
 * java -cp benchmarks.jar dev.demucs.benchmarks.GpuCheck MODEL.onnx [SECONDS=60] [GPU=0] [BATCH=4]
 * </pre>
 * Exits 1 with one line when CUDA does not load (the ONNX Runtime jar is the CPU one, or CUDA 12 /
 * cuDNN 9 are missing).
 */
public final class GpuCheck {

    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 4) {
            System.err.println("usage: GpuCheck MODEL.onnx [SECONDS=60] [GPU=0] [BATCH=4]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 60;
        int gpu = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : SeparationOptions.DEFAULT_MAX_BATCH;
        if (Device.cudaMissingFromBuild().isPresent()) {
            fail(Device.cudaMissingFromBuild().get());
        }
        if (!Files.isRegularFile(model)) {
            System.out.println("gpu-check: writing the full-size random htdemucs (dynamic batch) to " + model);
            FullSizeHtdemucs.write(model, 1, true);
        }
        int rate = 44_100;
        AudioBuffer mix = AudioBuffer.of(rate, Signals.music((int) Math.round(seconds * rate), rate, 7));
        SeparationOptions base = SeparationOptions.builder().shifts(0).maxBatch(batch).build();

        Stems onGpu;
        double gpuRtf;
        try (Separator s = Separator.open(model, base.toBuilder().device(Device.cuda(gpu)).build())) {
            s.separate(mix, ProgressListener.NONE, Cancellation.NONE);
            long t0 = System.nanoTime();
            onGpu = s.separate(mix, ProgressListener.NONE, Cancellation.NONE);
            gpuRtf = seconds / ((System.nanoTime() - t0) / 1e9);
        } catch (InferenceException e) {
            fail(e.getMessage());
            return;
        }
        Stems onCpu;
        double cpuRtf;
        try (Separator s = Separator.open(model, base.toBuilder().device(Device.cpu()).build())) {
            s.separate(mix, ProgressListener.NONE, Cancellation.NONE);
            long t0 = System.nanoTime();
            onCpu = s.separate(mix, ProgressListener.NONE, Cancellation.NONE);
            cpuRtf = seconds / ((System.nanoTime() - t0) / 1e9);
        }
        double maxDiff = 0;
        double peak = 0;
        for (String name : onCpu.names()) {
            float[][] a = onCpu.get(name).data();
            float[][] b = onGpu.get(name).data();
            for (int c = 0; c < a.length; c++) {
                for (int i = 0; i < a[c].length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[c][i] - b[c][i]));
                    peak = Math.max(peak, Math.abs(a[c][i]));
                }
            }
        }
        System.out.printf(Locale.ROOT, "gpu-check: %.0f s of audio, batch %d, cuda:%d vs cpu (%d cores)%n",
                seconds, batch, gpu, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "max |cuda - cpu| over all stems: %.3g (stem peak %.3g)%n", maxDiff, peak);
        System.out.printf(Locale.ROOT, "real-time factor: cuda %.1fx, cpu %.1fx%n", gpuRtf, cpuRtf);
    }

    private static void fail(String reason) {
        System.err.println("gpu-check: CUDA did not load: " + reason);
        System.exit(1);
    }
}
