package dev.demucs.http;

import dev.demucs.core.DemucsException;
import dev.demucs.job.queue.DirectoryJobFiles;
import dev.demucs.job.queue.JobBackends;
import dev.demucs.job.queue.JobFiles;
import dev.demucs.job.queue.JobQueue;
import dev.demucs.job.queue.NodeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

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
    private static final System.Logger LOG = System.getLogger(DemucsServer.class.getName());
    /** Jetty's own threads besides the request threads: one acceptor and one selector. */
    static final int JETTY_OWN_THREADS = 2;

    private final ServerConfig config;
    private final Seams seams;
    private final JobFiles files;
    private final JobQueue queue;
    private final String nodeId;
    private final ModelHolder model;
    private final InputFetcher fetcher;
    private final Retention retention;
    private final JobManager jobs;
    private final ScheduledExecutorService sweeper;
    private final Router router;
    private Auth auth;
    private Server http;
    private ServerConnector connector;
    private boolean started;
    private boolean closed;

    private DemucsServer(ServerConfig config, Seams seams) {
        this.config = config;
        this.seams = seams;
        this.nodeId = config.nodeId().orElseGet(DemucsServer::randomNodeId);
        NodeSettings node = new NodeSettings(nodeId, config.workers(), config.lease(), config.heartbeat(), config.poll(),
                config.dataDir(), System.getenv());
        this.files = JobBackends.files(config.files().orElse(null), node);
        this.queue = config.store().isEmpty() && files instanceof DirectoryJobFiles dir
                ? seams.queue().apply(dir)
                : JobBackends.queue(config.store().orElse(null), files, node);
        this.model = new ModelHolder(config);
        this.fetcher = new InputFetcher(config.allowPrivateUrls(), config.maxInputBytes(), config.fetchTimeout());
        this.retention = new Retention(queue, files, config.retentionMaxAge(), config.retentionMaxCount());
        this.jobs = new JobManager(config, queue, files, model, fetcher, this::afterJob, seams.jobHook());
        this.router = new Router(new StaticFiles());
        new JobViews(config, queue, files, jobs, model, version(), nodeId).register(router);
        new JobIntake(config, queue, files, jobs, model, fetcher).register(router);
        new ResultFiles(queue, files).register(router);
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
     * @throws IllegalArgumentException naming the location when no backend on the class path
     *                                  handles {@link ServerConfig#store()} or {@link ServerConfig#files()}
     */
    public static DemucsServer create(ServerConfig config) {
        return new DemucsServer(config, Seams.NONE);
    }

    /** A server with test seams (a failing store, a gate on jobs, a different idea of "local"). */
    static DemucsServer create(ServerConfig config, Seams seams) {
        return new DemucsServer(config, seams);
    }

    /**
     * Recovers the jobs on disk, binds the port, starts the workers and the background model load.
     *
     * @throws UncheckedIOException naming the address when the port cannot be bound, or naming
     *                              the token file when a generated token cannot be kept
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
        queue.open();
        try {
            auth = Auth.of(config, seams.localCaller());
            router.auth(auth);
            jobs.recover();
            queue.runExclusive("retention", retention::sweep);
            http = jetty();
            try {
                http.start();
            } catch (Exception e) {
                stopJetty();
                throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": "
                        + DemucsException.oneLine(e), e instanceof IOException io ? io : new IOException(e));
            }
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
        queue.listening(advertisedHost() + ":" + port());
        model.start();
        jobs.startWorkers();
        sweeper.scheduleWithFixedDelay(this::afterJob, 60, 60, TimeUnit.SECONDS);
        started = true;
        LOG.log(System.Logger.Level.INFO, "listening on " + config.host() + ":" + port() + "; " + auth.describe());
        return this;
    }

    private Server jetty() {
        // threads are capped; queued tasks are bounded by the connection limit (one per connection at a time)
        QueuedThreadPool pool = new QueuedThreadPool(config.httpThreads() + JETTY_OWN_THREADS,
                Math.min(4, config.httpThreads() + JETTY_OWN_THREADS), 60_000, 0, null, null);
        pool.setName("demucs-http");
        pool.setDaemon(true);
        Server server = new Server(pool);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setRequestHeaderSize(config.maxHeaderBytes());
        hc.setSendServerVersion(false);
        hc.setSendXPoweredBy(false);
        hc.setMinRequestDataRate(config.minRequestDataRate());
        // ids and names are matched on the raw path and validated; encoded separators reach the router and get 404
        hc.setUriCompliance(UriCompliance.LEGACY);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(hc));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(config.maxConnections(), connector));
        server.setErrorHandler(new JsonErrorHandler());
        server.setHandler(router);
        server.setStopTimeout(2_000);
        return server;
    }

    private void stopJetty() {
        if (http != null) {
            try {
                http.stop();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "stopping the HTTP server: " + DemucsException.oneLine(e));
            }
        }
    }

    /** After each job and every minute: retention, and records whose write failed are written again. */
    private void afterJob() {
        try {
            queue.retryUnsaved();
            queue.runExclusive("retention", retention::sweep);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "retention sweep failed: " + DemucsException.oneLine(e));
        }
    }

    /** The bound host, or this machine's name when bound to every interface. */
    private String advertisedHost() {
        String h = config.host();
        if (!h.equals("0.0.0.0") && !h.equals("::") && !h.equals("[::]")) {
            return h;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return h;
        }
    }

    private static String randomNodeId() {
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        return "node-" + java.util.HexFormat.of().formatHex(b);
    }

    /** This server's id among the servers of a shared queue ({@link ServerConfig#nodeId()}, or random). */
    public String nodeId() {
        return nodeId;
    }

    /** The bound port (the chosen one when the configuration says 0). */
    public synchronized int port() {
        if (connector == null || !started && !connector.isStarted()) {
            throw new IllegalStateException("server not started");
        }
        return connector.getLocalPort();
    }

    /** The configuration. */
    public ServerConfig config() {
        return config;
    }

    /** True once the model's separator is open ({@code models_ready}). */
    public boolean modelsReady() {
        return model.ready();
    }

    /**
     * The token this server made for remote callers (see {@link ServerConfig#noAuth()}); empty
     * when a token was configured, authentication is off, or the server is not started.
     */
    public synchronized Optional<String> generatedToken() {
        return auth == null ? Optional.empty() : auth.generatedToken();
    }

    /** Where the generated token is kept; empty when none was generated. */
    public synchronized Optional<Path> tokenFile() {
        return auth == null ? Optional.empty() : auth.tokenFile();
    }

    /** Routes handled, as "METHOD /template" (the OpenAPI document lists the same). */
    public List<String> routes() {
        return router.routes().stream().map(r -> r.method() + " " + r.template()).toList();
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
     * Stops taking new jobs (503 with Retry-After), gives running jobs the shutdown grace period
     * (status requests are still answered), records the unfinished ones as interrupted, stops
     * listening and releases the model. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (started) {
            jobs.shutdown(config.shutdownGrace());
        }
        stopJetty();
        sweeper.shutdownNow();
        fetcher.close();
        model.close();
        queue.close();
        files.close();
    }
}
