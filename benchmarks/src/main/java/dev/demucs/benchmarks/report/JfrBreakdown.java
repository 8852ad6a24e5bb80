package dev.demucs.benchmarks.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JDK Flight Recorder recording's samples fall: {@code java ... JfrBreakdown FILE.jfr [TOP]}.
 *
 * <p>Java samples ({@code jdk.ExecutionSample}, threads running Java code) are grouped by thread
 * and by the innermost frame of this project ({@code dev.demucs.*}), so library code (JTransforms'
 * FFT, the JDK) counts towards the project method that called it. Native samples
 * ({@code jdk.NativeMethodSample}, threads inside a JNI call: FFmpeg's codecs, ONNX Runtime) are
 * grouped by the native method. A native sample says the thread was in native code, not that it
 * used a CPU; threads ONNX Runtime starts itself are not Java threads and appear in neither.
 * Prints {@code key=value} lines: {@code jfr_java <share> % <thread> <method>} and {@code jfr_native ...}.
 */
public final class JfrBreakdown {

    private JfrBreakdown() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: JfrBreakdown FILE.jfr [TOP (default 15)]");
            System.exit(2);
        }
        int top = args.length == 2 ? Integer.parseInt(args[1]) : 15;
        Map<String, Integer> java = new HashMap<>();
        Map<String, Integer> nativeSamples = new HashMap<>();
        int javaTotal = 0;
        int nativeTotal = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            boolean isJava = type.equals("jdk.ExecutionSample");
            if (!isJava && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedThread thread = e.getThread("sampledThread");
            String threadName = thread == null ? "?" : thread.getJavaName();
            List<RecordedFrame> frames = e.getStackTrace() == null ? List.of() : e.getStackTrace().getFrames();
            String key = threadName + " " + (isJava ? ownFrame(frames) : frames.isEmpty() ? "?" : name(frames.get(0)));
            if (isJava) {
                java.merge(key, 1, Integer::sum);
                javaTotal++;
            } else {
                nativeSamples.merge(key, 1, Integer::sum);
                nativeTotal++;
            }
        }
        System.out.println("jfr_java_samples=" + javaTotal);
        print("jfr_java", java, javaTotal, top);
        System.out.println("jfr_native_samples=" + nativeTotal);
        print("jfr_native", nativeSamples, nativeTotal, top);
    }

    private static String ownFrame(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod().getType().getName().startsWith("dev.demucs.")) {
                return name(f);
            }
        }
        return frames.isEmpty() ? "?" : name(frames.get(0));
    }

    private static String name(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static void print(String key, Map<String, Integer> counts, int total, int top) {
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.println(key + "=" + String.format(Locale.ROOT, "%5.1f %%", 100.0 * e.getValue() / total)
                        + " " + e.getKey()));
    }
}
