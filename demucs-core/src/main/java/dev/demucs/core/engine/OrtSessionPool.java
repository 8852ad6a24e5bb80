package dev.demucs.core.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.CudaOptions;
import dev.demucs.core.Device;
import dev.demucs.core.InferenceException;
import dev.demucs.core.ModelNotFoundException;
import dev.demucs.core.SessionPool;
import dev.demucs.core.model.ModelInspector;
import dev.demucs.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link SessionPool} implementation: a future per (file, device, threads) so that a session is
 * created without holding any lock other callers of other models need, and callers of the same
 * model wait for the one creation.
 */
final class OrtSessionPool implements SessionPool {

    private static final System.Logger LOG = System.getLogger(SessionPool.class.getName());

    /** {@code cuda} is null for CPU sessions, so they are shared whatever the CUDA settings. */
    private record Key(Path file, Device device, int threads, CudaOptions cuda) {
    }

    private final Map<Key, CompletableFuture<PooledSession>> sessions = new ConcurrentHashMap<>();
    /** Every session not yet closed, current or superseded. */
    private final Set<PooledSession> open = ConcurrentHashMap.newKeySet();
    /** Why a CUDA device could not be used, remembered so auto does not retry on every open. */
    private final Map<Integer, String> cudaFailures = new ConcurrentHashMap<>();
    private final boolean closeable;
    private volatile boolean closed;

    OrtSessionPool(boolean closeable) {
        this.closeable = closeable;
    }

    /**
     * A session for a model on a device, retained for the caller (who calls
     * {@link PooledSession#release()} when done).
     *
     * @param device cpu, cuda:N, or auto (CUDA device 0 when it loads, else the CPU; on an ONNX
     *               Runtime build without CUDA simply the CPU, with no fallback reason)
     * @param cuda   CUDA provider settings, used when the session runs on a GPU
     * @return the session and the reason auto fell back to the CPU (null if it did not)
     */
    Acquired acquire(Path onnx, Device device, int threads, CudaOptions cuda) {
        ModelInspector.requireReadable(onnx);
        Path file = onnx.toAbsolutePath().normalize();
        PooledSession.FileVersion version = version(onnx, file);
        if (device.kind() == Device.Kind.AUTO) {
            if (CudaProvider.missingFromBuild().isPresent()) {
                return new Acquired(acquire(file, version, Device.cpu(), threads, null, onnx), null);
            }
            String reason = cudaFailures.get(0);
            if (reason == null) {
                try {
                    return new Acquired(acquire(file, version, Device.cuda(0), threads, cuda, onnx), null);
                } catch (InferenceException e) {
                    reason = cudaFailures.getOrDefault(0, e.getMessage());
                }
            }
            return new Acquired(acquire(file, version, Device.cpu(), threads, null, onnx), reason);
        }
        return new Acquired(acquire(file, version, device, threads, device.kind() == Device.Kind.CUDA ? cuda : null, onnx), null);
    }

    /** A retained session and why auto fell back to the CPU, or null. */
    record Acquired(PooledSession session, String fallbackReason) {
    }

    private PooledSession acquire(Path file, PooledSession.FileVersion version, Device device, int threads, CudaOptions cuda,
                                  Path shown) {
        Key key = new Key(file, device, threads, cuda);
        while (true) {
            requireOpen();
            CompletableFuture<PooledSession> mine = new CompletableFuture<>();
            CompletableFuture<PooledSession> existing = sessions.putIfAbsent(key, mine);
            CompletableFuture<PooledSession> future = existing == null ? mine : existing;
            if (existing == null) {
                create(key, version, shown, mine);
            }
            PooledSession session;
            try {
                session = future.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            if (!session.version().equals(version)) {
                // the file was replaced since this session was made: retire it and make a new one
                if (sessions.remove(key, future)) {
                    LOG.log(System.Logger.Level.DEBUG, "model file {0} was replaced: its old {1} session is released once unused",
                            shown, device);
                    retire(session);
                }
                continue;
            }
            if (session.retain()) {
                if (closed) {
                    session.release();
                    requireOpen();
                }
                return session;
            }
        }
    }

    private void create(Key key, PooledSession.FileVersion version, Path shown, CompletableFuture<PooledSession> future) {
        try {
            PooledSession session = newSession(key, version, shown);
            open.add(session);
            future.complete(session);
            if (closed) {
                session.shutdown();
                open.remove(session);
            }
        } catch (RuntimeException | Error e) {
            sessions.remove(key, future);
            future.completeExceptionally(e);
        }
    }

    private PooledSession newSession(Key key, PooledSession.FileVersion version, Path shown) {
        Device device = key.device();
        if (device.kind() == Device.Kind.CUDA && cudaFailures.containsKey(device.deviceId())) {
            throw new InferenceException(cudaFailures.get(device.deviceId()));
        }
        OrtSession.SessionOptions options;
        try {
            options = SessionSettings.options(device, key.threads(), key.cuda(), OnnxHeader.dynamicBatch(key.file()));
        } catch (InferenceException e) {
            if (device.kind() == Device.Kind.CUDA) {
                cudaFailures.put(device.deviceId(), e.getMessage());
                LOG.log(System.Logger.Level.DEBUG, "{0}; remembered until clearCudaFailures()", e.getMessage());
            }
            throw e;
        }
        OrtSession session = null;
        long start = System.nanoTime();
        try (options) {
            session = SharedEnvironment.get().createSession(key.file().toString(), options);
            ModelSpec spec = ModelInspector.inspect(shown, session);
            PooledSession pooled = new PooledSession(session, spec, device, version);
            session = null;
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("session for %s on %s (%d intra-op threads) created in %.2f s",
                    shown, device, key.threads(), (System.nanoTime() - start) / 1e9));
            return pooled;
        } catch (OrtException e) {
            throw ModelInspector.notOnnx(shown, e);
        } finally {
            if (session != null) {
                try {
                    session.close();
                } catch (OrtException e) {
                    // the session failed inspection; nothing more to release
                }
            }
        }
    }

    private void retire(PooledSession session) {
        session.retire();
        if (!session.isOpen()) {
            open.remove(session);
        }
    }

    /** Called by a separator when it closes: releases its hold on the session. */
    void release(PooledSession session) {
        session.release();
        if (!session.isOpen()) {
            open.remove(session);
        }
    }

    /** Called after a run: the session may have been retired meanwhile. */
    void endRun(PooledSession session) {
        session.endRun();
        if (!session.isOpen()) {
            open.remove(session);
        }
    }

    private static PooledSession.FileVersion version(Path shown, Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new PooledSession.FileVersion(a.fileKey(), a.size(), a.lastModifiedTime().toMillis());
        } catch (IOException e) {
            throw new ModelNotFoundException("cannot read model file " + shown + ": " + e.getMessage(), e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("session pool closed");
        }
    }

    @Override
    public int openSessions() {
        open.removeIf(s -> !s.isOpen());
        return open.size();
    }

    @Override
    public void clearCudaFailures() {
        cudaFailures.clear();
    }

    @Override
    public void close() {
        if (!closeable) {
            return;
        }
        closed = true;
        List<CompletableFuture<PooledSession>> futures = new ArrayList<>(sessions.values());
        sessions.clear();
        for (CompletableFuture<PooledSession> f : futures) {
            try {
                f.join();
            } catch (CompletionException e) {
                // a session that failed to load has nothing to close
            }
        }
        for (PooledSession s : new ArrayList<>(open)) {
            s.shutdown();
            open.remove(s);
        }
    }

    @Override
    public String toString() {
        return "SessionPool{" + openSessions() + " open session(s)" + (closed ? ", closed" : "") + "}";
    }
}
