package dev.demucs.core;

import dev.demucs.core.engine.CudaProvider;
import java.util.Locale;
import java.util.Optional;

/**
 * Where ONNX Runtime executes a model.
 * <ul>
 *   <li>{@link #cpu()}: the CPU provider, always available.</li>
 *   <li>{@link #cuda(int)}: the CUDA provider on one GPU; fails with a clear
 *       {@link InferenceException} when the provider cannot load (CPU-only ONNX Runtime jar,
 *       missing CUDA 12 / cuDNN 9 libraries).</li>
 *   <li>{@link #auto()}: CUDA device 0 when it loads, otherwise the CPU, with the reason
 *       reported through {@link ProgressListener#onDeviceFallback(Device, String)}. With the CPU
 *       ONNX Runtime jar (no CUDA provider at all) it is simply the CPU: nothing is tried and no
 *       fallback is reported ({@link #cudaMissingFromBuild()} says why).</li>
 * </ul>
 *
 * @param kind      the provider family
 * @param deviceId  the GPU ordinal for {@link Kind#CUDA}, 0 otherwise
 */
public record Device(Kind kind, int deviceId) {

    /** Provider family. */
    public enum Kind { CPU, CUDA, AUTO }

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind must not be null");
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("device id must be >= 0, got " + deviceId);
        }
        if (kind != Kind.CUDA && deviceId != 0) {
            throw new IllegalArgumentException("only cuda takes a device id, got " + kind + ":" + deviceId);
        }
    }

    public static Device cpu() {
        return new Device(Kind.CPU, 0);
    }

    public static Device cuda(int deviceId) {
        return new Device(Kind.CUDA, deviceId);
    }

    public static Device auto() {
        return new Device(Kind.AUTO, 0);
    }

    /**
     * Parses {@code cpu}, {@code auto}, {@code cuda} or {@code cuda:N} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text when it is none of these
     */
    /**
     * Why the ONNX Runtime build on the class path cannot run CUDA at all (the CPU jar), or empty
     * when it has the CUDA provider (the GPU build; whether CUDA then loads depends on the machine).
     */
    public static Optional<String> cudaMissingFromBuild() {
        return CudaProvider.missingFromBuild();
    }

    public static Device parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("auto")) {
            return auto();
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (IllegalArgumentException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("device must be auto, cpu, cuda or cuda:N, got '" + text + "'");
    }

    @Override
    public String toString() {
        return kind == Kind.CUDA ? "cuda:" + deviceId : kind.name().toLowerCase(Locale.ROOT);
    }
}
