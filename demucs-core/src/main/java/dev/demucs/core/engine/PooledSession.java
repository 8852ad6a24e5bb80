package dev.demucs.core.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.demucs.core.Device;
import dev.demucs.core.model.ModelSpec;

/**
 * One pooled session and its two counts: the separators holding it ({@link #retain()} /
 * {@link #release()}) and the separations running on it ({@link #beginRun()} / {@link #endRun()}).
 * The session is closed when it is retired (superseded or its pool closing) and neither count is
 * above zero; a closing pool first waits for the runs ({@link #shutdown()}).
 */
final class PooledSession {

    /** What identifies the file the session was made from: a replaced file differs in one of these. */
    record FileVersion(Object fileKey, long size, long modifiedMillis) {
    }

    private final OrtSession session;
    private final ModelSpec spec;
    private final Device device;
    private final FileVersion version;
    private int holders;
    private int runs;
    private boolean retired;
    private boolean closed;

    PooledSession(OrtSession session, ModelSpec spec, Device device, FileVersion version) {
        this.session = session;
        this.spec = spec;
        this.device = device;
        this.version = version;
    }

    ModelSpec spec() {
        return spec;
    }

    Device device() {
        return device;
    }

    FileVersion version() {
        return version;
    }

    /** The session, valid between {@link #beginRun()} and {@link #endRun()}. */
    OrtSession session() {
        return session;
    }

    /** Adds a holder; false when the session is retired (the caller gets a fresh one). */
    synchronized boolean retain() {
        if (retired) {
            return false;
        }
        holders++;
        return true;
    }

    /** Removes a holder; closes the session when it was the last use of a retired session. */
    void release() {
        boolean close;
        synchronized (this) {
            holders--;
            close = idleAndRetired();
        }
        if (close) {
            closeSession();
        }
    }

    /**
     * Marks a run in flight.
     *
     * @throws IllegalStateException when the pool has been closed
     */
    synchronized void beginRun() {
        if (closed || (retired && holders == 0)) {
            throw new IllegalStateException("session pool closed: model " + spec.path() + " can no longer be run");
        }
        runs++;
    }

    void endRun() {
        boolean close;
        synchronized (this) {
            runs--;
            notifyAll();
            close = idleAndRetired();
        }
        if (close) {
            closeSession();
        }
    }

    /** Retires a superseded session: closed now if unused, else when its last holder and run are done. */
    void retire() {
        boolean close;
        synchronized (this) {
            retired = true;
            close = idleAndRetired();
        }
        if (close) {
            closeSession();
        }
    }

    /** Refuses new runs, waits for the runs in flight, then closes the session; idempotent. */
    void shutdown() {
        boolean interrupted = false;
        synchronized (this) {
            retired = true;
            holders = 0;
            while (runs > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        closeSession();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the native session is still open. */
    synchronized boolean isOpen() {
        return !closed;
    }

    private boolean idleAndRetired() {
        return retired && holders <= 0 && runs == 0 && !closed;
    }

    private void closeSession() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            session.close();
        } catch (OrtException e) {
            // nothing left to release: the native session is gone either way
        }
    }
}
