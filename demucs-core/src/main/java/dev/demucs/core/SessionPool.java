package dev.demucs.core;

import ai.onnxruntime.OrtEnvironment;
import dev.demucs.core.engine.Engine;
import dev.demucs.core.engine.SharedEnvironment;

/**
 * The ONNX Runtime sessions of an application: one session per (model file, device, intra-op
 * threads), shared by every {@link Separator} opened on the pool and by their threads (a
 * session's {@code run} is thread-safe).
 *
 * <pre>{@code
 * try (SessionPool pool = SessionPool.create();
 *      Separator separator = Separator.open(Path.of("htdemucs.onnx"), SeparationOptions.defaults(), pool)) {
 *     Stems stems = separator.separate(AudioBuffer.of(44100, stereo));
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Sessions are reference-counted: a separator holds its sessions from open to close, and a
 *       separation holds them while it runs.</li>
 *   <li>A model file replaced on disk (another file, size or modification time) gets a new
 *       session on the next open; the superseded session is closed as soon as the separators
 *       still using it are closed.</li>
 *   <li>Sessions of different models are created concurrently; opening a model never waits for
 *       another model to load.</li>
 *   <li>When {@link Device#auto()} cannot use CUDA the reason is remembered by the pool so later
 *       opens do not retry; {@link #clearCudaFailures()} forgets it (after installing drivers, say).</li>
 *   <li>{@link #close()} refuses new opens and runs, waits for the separations in flight, then
 *       closes every session; separators still open then fail with an
 *       {@link IllegalStateException}. Closing twice is harmless.</li>
 * </ul>
 *
 * <p>{@link #shared()} is the pool of {@link Separator#open(java.nio.file.Path, SeparationOptions)}:
 * it lives as long as the process and its {@code close()} does nothing.
 */
public interface SessionPool extends AutoCloseable {

    /** A new, empty pool owned by the caller, who closes it. */
    static SessionPool create() {
        return Engine.newSessionPool();
    }

    /** The process-wide pool used by separators opened without one; never closed. */
    static SessionPool shared() {
        return Engine.sharedSessionPool();
    }

    /**
     * The process's ONNX Runtime environment, the one every pool's sessions use. An application
     * that creates ONNX Runtime sessions of its own should take the environment from here rather
     * than {@code OrtEnvironment.getEnvironment()}: the first creation runs on a thread whose stack
     * fits the process's command line (ONNX Runtime 1.29.0 on Linux overflows a default stack on a
     * command line longer than about 3,500 bytes, e.g. a long class path).
     */
    static OrtEnvironment environment() {
        return SharedEnvironment.get();
    }

    /** Number of open sessions, including superseded ones still in use (for diagnostics and leak checks). */
    int openSessions();

    /** Forgets why CUDA could not be used, so the next open on {@link Device#auto()} or {@code cuda:N} tries again. */
    void clearCudaFailures();

    /** Waits for the separations in flight, then closes every session; idempotent. */
    @Override
    void close();
}
