package dev.demucs.core.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.CudaOptions;
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
 * SessionCache.Entry e = SessionCache.get(Path.of("htdemucs.onnx"), Device.auto(), 0, CudaOptions.defaults());
 * e.spec();            // what the model is
 * e.device();          // cpu or cuda:N, what auto resolved to
 * e.fallbackReason();  // why auto fell back to the CPU, or null
 * SessionCache.closeAll();   // at shutdown; separators using the sessions then fail
 * }</pre>
 *
 * <p>Session options: all graph optimisations, ONNX Runtime's CPU memory arena off (it keeps
 * peak-sized blocks for the session's lifetime and grows from run to run), memory-pattern planning
 * on, intra-op threads as asked (0 = one per core). Measured on torchaudio's hdemucs_high in the
 * two-input form (335 MB), 3 runs of one 7.8 s segment, 2 threads: process peak 1.88 GB with
 * ORT's defaults (still growing at the second run), 1.37 GB with arena and pattern off, 1.33 GB
 * with the arena off and the pattern on, at no measurable speed cost.
 */
public final class SessionCache {

    /** A cached session and what it is. Owned by the cache: do not close the session. */
    public record Entry(OrtSession session, ModelSpec spec, Device device, String fallbackReason) {
    }

    /** {@code cuda} is null for CPU sessions, so they are shared whatever the CUDA settings. */
    private record Key(Path file, long size, long modified, Device device, int threads, CudaOptions cuda) {
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
     * @param device          cpu, cuda:N, or auto (CUDA device 0 when it loads, else the CPU; on an
     *                        ONNX Runtime build without CUDA simply the CPU, with no fallback reason)
     * @param intraOpThreads  0 = ONNX Runtime's default
     * @param cuda            CUDA provider settings, used when the session runs on a GPU
     * @throws ModelNotFoundException when the file is missing
     * @throws InvalidModelException  when it is not a usable Demucs model
     * @throws InferenceException     when an explicitly requested CUDA device cannot be used
     */
    public static synchronized Entry get(Path onnx, Device device, int intraOpThreads, CudaOptions cuda) {
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
            if (CudaProvider.missingFromBuild().isPresent()) {
                return get(file, size, modified, Device.cpu(), intraOpThreads, null, onnx);
            }
            String reason = CUDA_FAILURES.get(0);
            if (reason == null) {
                try {
                    return get(file, size, modified, Device.cuda(0), intraOpThreads, cuda, onnx);
                } catch (InferenceException e) {
                    reason = CUDA_FAILURES.getOrDefault(0, e.getMessage());
                }
            }
            Entry cpu = get(file, size, modified, Device.cpu(), intraOpThreads, null, onnx);
            return new Entry(cpu.session(), cpu.spec(), cpu.device(), reason);
        }
        return get(file, size, modified, device, intraOpThreads, device.kind() == Device.Kind.CUDA ? cuda : null, onnx);
    }

    private static Entry get(Path file, long size, long modified, Device device, int threads, CudaOptions cuda,
                             Path shown) {
        Key key = new Key(file, size, modified, device, threads, cuda);
        Entry cached = SESSIONS.get(key);
        if (cached != null) {
            return cached;
        }
        if (device.kind() == Device.Kind.CUDA && CUDA_FAILURES.containsKey(device.deviceId())) {
            throw new InferenceException(CUDA_FAILURES.get(device.deviceId()));
        }
        OrtSession session = null;
        try (OrtSession.SessionOptions options = options(device, threads, cuda)) {
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

    private static OrtSession.SessionOptions options(Device device, int threads, CudaOptions cuda) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setCPUArenaAllocator(false);
            options.setMemoryPatternOptimization(true);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
        } catch (OrtException e) {
            options.close();
            throw new InferenceException("cannot configure ONNX Runtime session options: " + e.getMessage(), e);
        }
        if (device.kind() == Device.Kind.CUDA) {
            try {
                if (CudaProvider.missingFromBuild().isPresent()) {
                    throw new OrtException(CudaProvider.missingFromBuild().get());
                }
                CudaProvider.add(options, device.deviceId(), cuda);
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                options.close();
                String reason = "CUDA device " + device.deviceId() + " cannot be used: " + e.getMessage()
                        + " (needs the onnxruntime_gpu jar, CUDA 12 and cuDNN 9; use device cpu or auto)";
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
