package dev.demucs.core.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.Device;
import dev.demucs.core.InferenceException;
import dev.demucs.core.InvalidModelException;
import dev.demucs.core.ModelNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The process-wide cache of ONNX Runtime sessions: one {@link OrtEnvironment}, one session per
 * (model file, device, intra-op threads), shared by every separator and thread (a session's
 * {@code run} is thread-safe). A file replaced on disk (new size or modification time) gets a new
 * session.
 *
 * <pre>{@code
 * SessionCache.Entry e = SessionCache.get(Path.of("htdemucs.onnx"), Device.auto(), 0);
 * e.spec();            // what the model is
 * e.device();          // cpu or cuda:N, what auto resolved to
 * e.fallbackReason();  // why auto fell back to the CPU, or null
 * SessionCache.closeAll();   // at shutdown; separators using the sessions then fail
 * }</pre>
 *
 * <p>Session options: all graph optimisations, ONNX Runtime's CPU memory arena off (it keeps
 * peak-sized blocks for the session's lifetime and grows from run to run), memory-pattern planning
 * off, intra-op threads as asked (0 = one per core), idle intra-op threads sleeping rather than
 * spinning. Measured on the full-size htdemucs (42 M parameters, two-input form), one 7.8 s
 * segment per run, 2 threads, process peak (VmHWM): arena off + pattern on 3.09 GB, arena off +
 * pattern off 2.60 GB, arena on 3.4–5.1 GB (no page faults after the second run, but the arena
 * never shrinks). With the arena off every run maps its intermediates afresh (about 0.6 M minor
 * page faults, 1.6–5 s of system CPU per run on a busy 2-core host). Spinning off cut the user
 * CPU per run from 10.6–11.4 s to 7.7–8.1 s on that host.
 */
public final class SessionCache {

    /** A cached session and what it is. Owned by the cache: do not close the session. */
    public record Entry(OrtSession session, ModelSpec spec, Device device, String fallbackReason) {
    }

    private record Key(Path file, long size, long modified, Device device, int threads) {
    }

    private static final Map<Key, Entry> SESSIONS = new HashMap<>();
    /** Why a CUDA device could not be used, remembered so auto does not retry on every open. */
    private static final Map<Integer, String> CUDA_FAILURES = new HashMap<>();

    private SessionCache() {
    }

    /** The one ONNX Runtime environment of the process. */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    /**
     * The session for a model on a device, created on first use.
     *
     * @param device          cpu, cuda:N, or auto (CUDA device 0 when it loads, else the CPU)
     * @param intraOpThreads  0 = ONNX Runtime's default
     * @throws ModelNotFoundException when the file is missing
     * @throws InvalidModelException  when it is not a usable Demucs model
     * @throws InferenceException     when an explicitly requested CUDA device cannot be used
     */
    public static synchronized Entry get(Path onnx, Device device, int intraOpThreads) {
        ModelInspector.requireReadable(onnx);
        Path file = onnx.toAbsolutePath().normalize();
        long size;
        long modified;
        try {
            size = Files.size(file);
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new ModelNotFoundException("cannot read model file " + onnx + ": " + e.getMessage(), e);
        }
        if (device.kind() == Device.Kind.AUTO) {
            String reason = CUDA_FAILURES.get(0);
            if (reason == null) {
                try {
                    return get(file, size, modified, Device.cuda(0), intraOpThreads, onnx);
                } catch (InferenceException e) {
                    reason = CUDA_FAILURES.getOrDefault(0, e.getMessage());
                }
            }
            Entry cpu = get(file, size, modified, Device.cpu(), intraOpThreads, onnx);
            return new Entry(cpu.session(), cpu.spec(), cpu.device(), reason);
        }
        return get(file, size, modified, device, intraOpThreads, onnx);
    }

    private static Entry get(Path file, long size, long modified, Device device, int threads, Path shown) {
        Key key = new Key(file, size, modified, device, threads);
        Entry cached = SESSIONS.get(key);
        if (cached != null) {
            return cached;
        }
        if (device.kind() == Device.Kind.CUDA && CUDA_FAILURES.containsKey(device.deviceId())) {
            throw new InferenceException(CUDA_FAILURES.get(device.deviceId()));
        }
        OrtSession session = null;
        try (OrtSession.SessionOptions options = options(device, threads)) {
            session = environment().createSession(file.toString(), options);
            ModelSpec spec = ModelInspector.inspect(shown, session);
            Entry entry = new Entry(session, spec, device, null);
            SESSIONS.put(key, entry);
            session = null;
            return entry;
        } catch (OrtException e) {
            throw ModelInspector.notOnnx(shown, e);
        } finally {
            if (session != null) {
                closeQuietly(session);
            }
        }
    }

    private static OrtSession.SessionOptions options(Device device, int threads) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setCPUArenaAllocator(false);
            options.setMemoryPatternOptimization(false);
            // Idle intra-op workers sleep instead of spinning: the host threads (STFT, iSTFT,
            // encoders) run during inference on the same cores.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
        } catch (OrtException e) {
            options.close();
            throw new InferenceException("cannot configure ONNX Runtime session options: " + e.getMessage(), e);
        }
        if (device.kind() == Device.Kind.CUDA) {
            try {
                options.addCUDA(device.deviceId());
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                options.close();
                String reason = "CUDA device " + device.deviceId() + " cannot be used: " + e.getMessage()
                        + " (needs the onnxruntime_gpu jar instead of onnxruntime, CUDA 12 and cuDNN 9; use device cpu or auto)";
                CUDA_FAILURES.put(device.deviceId(), reason);
                throw new InferenceException(reason, e);
            }
        }
        return options;
    }

    /** Closes every cached session; idempotent. Separators still holding them fail on their next run. */
    public static synchronized void closeAll() {
        List<Entry> entries = new ArrayList<>(SESSIONS.values());
        SESSIONS.clear();
        for (Entry e : entries) {
            closeQuietly(e.session());
        }
    }

    /** Number of open cached sessions (for leak checks in tests and diagnostics). */
    public static synchronized int size() {
        return SESSIONS.size();
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | IllegalStateException e) {
            // closing an already-closed session: nothing left to release
        }
    }
}
