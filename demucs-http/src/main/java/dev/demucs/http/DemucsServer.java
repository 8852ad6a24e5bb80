package dev.demucs.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The REST job service of the template (port 8185), embeddable:
 *
 * <pre>{@code
 * try (DemucsServer server = DemucsServer.create(ServerConfig.builder().port(0).dataDir(dir).build())) {
 *     server.start();
 *     URI base = URI.create("http://127.0.0.1:" + server.port());
 *     // POST /job {"input_url": "..."}; GET /job/{id}; GET /result/{id}
 * }
 * }</pre>
 *
 * <p>Routes (documented in {@code GET /openapi.json}): {@code GET /health}, {@code GET /status},
 * {@code POST /job} (JSON with {@code input_url}, or an upload), {@code GET /jobs},
 * {@code GET|DELETE /job/{id}}, {@code GET /job/{id}/logs}, {@code GET /result/{id}} and
 * {@code GET /result/{id}/{name}}.
 *
 * <p>{@link #start()} binds the port, loads the jobs of the data directory (queuing unfinished
 * ones again), starts the workers, and starts loading the model in the background.
 * {@link #close()} stops accepting connections, lets running jobs finish for the configured
 * grace period, records the others as interrupted (they run again at the next start), and
 * releases everything; it is idempotent.
 */
public final class DemucsServer implements AutoCloseable {
    private final ServerConfig config;
    private final JobStore store;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Retention retention;
    private final JobManager jobs;
    private final Api api;
    private final ScheduledExecutorService sweeper;
    private HttpServer http;
    private ThreadPoolExecutor httpExecutor;
    private boolean started;
    private boolean closed;

    private DemucsServer(ServerConfig config) {
        this.config = config;
        this.store = new JobStore(config.dataDir());
        this.model = new ModelHolder(config);
        this.fetcher = new InputFetcher(new UrlGuard(config.allowPrivateUrls()), config.maxInputBytes(), config.fetchTimeout());
        this.retention = new Retention(store, config.retentionMaxAge(), config.retentionMaxCount());
        this.jobs = new JobManager(config, store, model, fetcher, retention::sweep);
        this.api = new Api(config, store, jobs, model, version());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demucs-http-retention");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates a server; nothing is bound or loaded until {@link #start()}.
     *
     * @throws UncheckedIOException when the data directory cannot be created
     */
    public static DemucsServer create(ServerConfig config) {
        return new DemucsServer(config);
    }

    /**
     * Binds the port, recovers the jobs on disk, starts the workers and the background model load.
     *
     * @throws UncheckedIOException naming the address when the port cannot be bound
     * @throws IllegalStateException when already started or closed, or when another server uses
     *                               the data directory
     */
    public synchronized DemucsServer start() {
        if (closed) {
            throw new IllegalStateException("server is closed");
        }
        if (started) {
            throw new IllegalStateException("server already started");
        }
        store.lock();
        try {
            http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        } catch (IOException e) {
            store.unlock();
            throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        httpExecutor = new ThreadPoolExecutor(config.httpThreads(), config.httpThreads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "demucs-http-" + n.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                });
        http.setExecutor(httpExecutor);
        http.createContext("/", StaticFiles.orElse(api));
        try {
            jobs.recover();
            retention.sweep();
        } catch (RuntimeException e) {
            http.stop(0);
            httpExecutor.shutdownNow();
            http = null;
            store.unlock();
            throw e;
        }
        model.start();
        jobs.startWorkers();
        sweeper.scheduleWithFixedDelay(this::sweepQuietly, 60, 60, TimeUnit.SECONDS);
        http.start();
        started = true;
        return this;
    }

    private void sweepQuietly() {
        try {
            retention.sweep();
        } catch (RuntimeException e) {
            System.err.println("demucs-http: retention sweep failed: " + InputFetcher.oneLine(e));
        }
    }

    /** The bound port (the chosen one when the configuration says 0). */
    public synchronized int port() {
        if (http == null) {
            throw new IllegalStateException("server not started");
        }
        return http.getAddress().getPort();
    }

    /** The configuration. */
    public ServerConfig config() {
        return config;
    }

    /** True once the model's separator is open ({@code models_ready}). */
    public boolean modelsReady() {
        return model.ready();
    }

    /** Routes handled, as "METHOD /template" (the OpenAPI document lists the same). */
    public List<String> routes() {
        return api.routes().stream().map(r -> r.method() + " " + r.template()).toList();
    }

    /** The library version (from the build), or "dev". */
    public static String version() {
        try (InputStream in = DemucsServer.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException ignored) {
            // falls back below
        }
        return "dev";
    }

    /**
     * Stops accepting requests, gives running jobs the shutdown grace period, records the
     * unfinished ones as interrupted, and releases the model. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (http != null) {
            http.stop(1);
        }
        if (started) {
            jobs.shutdown(config.shutdownGrace());
        }
        sweeper.shutdownNow();
        if (httpExecutor != null) {
            httpExecutor.shutdownNow();
        }
        fetcher.close();
        model.close();
        store.unlock();
    }
}
