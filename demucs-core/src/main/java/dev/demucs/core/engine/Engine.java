package dev.demucs.core.engine;

import dev.demucs.core.SeparationOptions;
import dev.demucs.core.SessionPool;
import dev.demucs.core.Separator;
import dev.demucs.core.model.ModelBag;
import java.util.Objects;

/**
 * The entry from the public API into the engine (this package is not exported): opens separators
 * and makes session pools. Call {@link Separator#open} and {@link SessionPool#create()} instead.
 */
public final class Engine {

    private static final class Shared {
        static final OrtSessionPool POOL = new OrtSessionPool(false);
    }

    private Engine() {
    }

    /** See {@link Separator#open(ModelBag, SeparationOptions, SessionPool)}. */
    public static Separator open(ModelBag bag, SeparationOptions options, SessionPool pool) {
        Objects.requireNonNull(bag, "bag");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(pool, "pool");
        if (!(pool instanceof OrtSessionPool ortPool)) {
            throw new IllegalArgumentException("pool must come from SessionPool.create() or SessionPool.shared(), got "
                    + pool.getClass().getName());
        }
        return DemucsSeparator.open(bag, options, ortPool);
    }

    public static SessionPool newSessionPool() {
        return new OrtSessionPool(true);
    }

    public static SessionPool sharedSessionPool() {
        return Shared.POOL;
    }
}
