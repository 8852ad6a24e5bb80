package dev.demucs.core.engine;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The process's one {@link OrtEnvironment}, created on a thread whose stack grows with the
 * process's command line. Everything in this project that needs the environment asks here.
 *
 * <p>Why: creating the environment (ONNX Runtime 1.29.0 on Linux,
 * {@code Java_ai_onnxruntime_OrtEnvironment_createHandle}) runs the bundled 1DS telemetry
 * SDK's system-information probe, which matches {@code /proc/self/cmdline} against the regular
 * expression {@code (.*)[ ]*.*[\n]*} with libstdc++'s {@code std::regex}. Its matcher recurses
 * once per character (about 260 bytes of stack each), so on a thread with the JVM's default
 * 1 MiB stack a command line longer than about 3,500 bytes (a long {@code -cp}, a long
 * {@code -D}, long program arguments) overflows the stack and the JVM dies with SIGSEGV and no
 * error report. The probe runs once per process, at environment creation only; sessions and
 * runs on ordinary threads are unaffected afterwards. (With the environment variable {@code CI}
 * set, ONNX Runtime was seen to skip the probe; nothing here relies on that.)
 */
public final class SharedEnvironment {
    /** Stack per byte of command line: four times what the recursion was measured to use. */
    static final long STACK_BYTES_PER_COMMAND_LINE_BYTE = 1024;
    /** Stack on top of that for everything else the creation does. */
    static final long BASE_STACK_BYTES = 1L << 20;

    private static volatile OrtEnvironment environment;

    private SharedEnvironment() {
    }

    /** The shared environment, created on first use (see the class comment for on which thread). */
    public static OrtEnvironment get() {
        OrtEnvironment env = environment;
        if (env == null) {
            synchronized (SharedEnvironment.class) {
                env = environment;
                if (env == null) {
                    env = create(stackBytes(commandLineBytes()));
                    environment = env;
                }
            }
        }
        return env;
    }

    /** The stack that creating the environment needs with a command line of {@code commandLineBytes}. */
    static long stackBytes(long commandLineBytes) {
        return BASE_STACK_BYTES + STACK_BYTES_PER_COMMAND_LINE_BYTE * commandLineBytes;
    }

    /** The length of {@code /proc/self/cmdline}; 0 where there is none (not Linux). */
    static long commandLineBytes() {
        Path cmdline = Path.of("/proc/self/cmdline");
        try {
            return Files.isReadable(cmdline) ? Files.readAllBytes(cmdline).length : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static OrtEnvironment create(long stackBytes) {
        try {
            return CompletableFuture.supplyAsync(OrtEnvironment::getEnvironment,
                    task -> new Thread(null, task, "ort-environment", stackBytes).start()).join();
        } catch (CompletionException e) {
            // the supplier throws nothing checked
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) e.getCause();
        }
    }
}
