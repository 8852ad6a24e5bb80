package dev.demucs.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Cooperative cancellation of a separation. The separator checks it between chunks and
 * registers a hook that terminates a running ONNX Runtime inference, so {@link #cancel()}
 * takes effect within one model run at most. Thread-safe; {@link #NONE} can never be cancelled.
 */
public class Cancellation {

    /** A token that is never cancelled. */
    public static final Cancellation NONE = new Cancellation() {
        @Override
        public void cancel() {
            throw new IllegalStateException("Cancellation.NONE cannot be cancelled; create a new Cancellation()");
        }
    };

    private volatile boolean cancelled;
    private final List<Runnable> hooks = new CopyOnWriteArrayList<>();

    /** Requests cancellation; runs the registered hooks once. Idempotent. */
    public void cancel() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
        }
        hooks.forEach(Runnable::run);
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** @throws SeparationCancelledException when cancelled */
    public void throwIfCancelled() {
        if (cancelled) {
            throw new SeparationCancelledException("separation cancelled");
        }
    }

    /**
     * Registers a hook run on {@link #cancel()} (at once when already cancelled).
     *
     * @return an {@link AutoCloseable} that unregisters the hook
     */
    public AutoCloseable onCancel(Runnable hook) {
        hooks.add(hook);
        if (cancelled) {
            hook.run();
        }
        return () -> hooks.remove(hook);
    }
}
