package dev.demucs.http;

import dev.demucs.core.DemucsException;
import dev.demucs.core.DeviceInUse;
import dev.demucs.core.Separator;
import dev.demucs.core.model.ModelBag;
import dev.demucs.models.ModelResolver;
import dev.demucs.models.ResolvedModel;
import dev.demucs.models.DownloadListener;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Loads the configured model in the background from {@link #start()}: resolves it (which may
 * download and convert it), then opens the shared {@link Separator}. {@code models_ready} is
 * true once the separator is open. Workers wait in {@link #await()}.
 */
final class ModelHolder implements AutoCloseable {
    private final ServerConfig config;
    private final CompletableFuture<Loaded> future = new CompletableFuture<>();
    private volatile String modelName;
    private Thread loader;

    /** The shared separator and the bag it came from (for per-job separators). */
    record Loaded(Separator separator, ModelBag bag, String name) {
    }

    ModelHolder(ServerConfig config) {
        this.config = config;
    }

    synchronized void start() {
        if (loader != null) {
            return;
        }
        loader = new Thread(this::load, "demucs-http-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    private void load() {
        try {
            ModelBag bag;
            String name;
            if (config.modelBag().isPresent()) {
                bag = config.modelBag().get();
                name = bag.members().get(0).onnx().getFileName().toString();
            } else {
                ResolvedModel resolved = ModelResolver.defaults().withOffline(config.offline())
                        .resolve(config.modelSpec().orElse(null), DownloadListener.NONE);
                bag = resolved.bag();
                name = resolved.name();
            }
            modelName = name;
            Separator separator = Separator.open(bag, config.separationOptions());
            if (!future.complete(new Loaded(separator, bag, name))) {
                separator.close();
            }
        } catch (Throwable e) {
            future.completeExceptionally(e);
            System.getLogger(ModelHolder.class.getName()).log(System.Logger.Level.ERROR,
                    "the model could not be loaded: " + DemucsException.oneLine(e));
        }
    }

    boolean ready() {
        return future.isDone() && !future.isCompletedExceptionally() && !future.isCancelled();
    }

    /** The device the loaded model runs on and why, when it is loaded. */
    Optional<DeviceInUse> deviceInUse() {
        return ready() ? Optional.of(future.getNow(null).separator().device()) : Optional.empty();
    }

    /** Why loading failed, if it did. */
    Optional<String> error() {
        if (!future.isCompletedExceptionally()) {
            return Optional.empty();
        }
        try {
            future.getNow(null);
            return Optional.empty();
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Optional.of(DemucsException.oneLine(cause));
        }
    }

    Optional<String> name() {
        return Optional.ofNullable(modelName).or(() -> config.modelSpec()
                .or(() -> config.modelBag().isPresent() ? Optional.empty() : Optional.of(ModelResolver.DEFAULT_MODEL)));
    }

    /**
     * Blocks until the model is loaded.
     *
     * @throws ModelUnavailableException when loading failed or the holder was closed
     */
    Loaded await() throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new ModelUnavailableException("the model could not be loaded: " + DemucsException.oneLine(e.getCause()), e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            throw new ModelUnavailableException("the server is shutting down", e);
        }
    }

    /** Stops waiting for a model that is still loading ({@link #await()} then fails). */
    void abortLoading() {
        future.cancel(false);
    }

    @Override
    public void close() {
        future.cancel(false);
        if (future.isDone() && !future.isCompletedExceptionally()) {
            future.getNow(null).separator().close();
        }
    }

    /** The model cannot be used (loading failed or the server is closing). */
    static final class ModelUnavailableException extends RuntimeException {
        ModelUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
