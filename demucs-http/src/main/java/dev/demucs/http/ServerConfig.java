package dev.demucs.http;

import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.core.model.ModelBag;
import dev.demucs.job.JobLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable settings of a {@link DemucsServer}, made with {@link #builder()}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder()
 *         .port(0)                                  // any free port (tests)
 *         .dataDir(Path.of("jobs"))
 *         .modelSpec("htdemucs")                    // or .modelBag(ModelBag.single(onnx))
 *         .bearerToken(System.getenv("DEMUCS_API_TOKEN"))
 *         .build();
 * }</pre>
 *
 * <p>Defaults: host {@value #DEFAULT_HOST} (every interface, as the template, which serves
 * remote clients on port {@value #DEFAULT_PORT}; bind {@code 127.0.0.1} for local-only use),
 * one worker, a queue of {@value #DEFAULT_QUEUE_CAPACITY} waiting jobs, uploads and downloaded
 * inputs up to {@value #DEFAULT_MAX_INPUT_BYTES} bytes, finished jobs kept 7 days and at most
 * {@value #DEFAULT_RETENTION_MAX_COUNT}, URL inputs on private addresses refused, jobs capped by
 * {@link JobLimits#SERVER}, no configured
 * token (on a non-loopback address the server then makes one for remote callers, see
 * {@link #noAuth()}), jobs stopped after {@value #DEFAULT_MAX_JOB_MINUTES} minutes, new jobs
 * refused below {@value #DEFAULT_MIN_FREE_MB} MiB of free disk.
 * {@link Builder#build()} rejects a bad value naming the field and the value.
 */
public final class ServerConfig {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 8185;
    public static final int DEFAULT_WORKERS = 1;
    public static final int DEFAULT_QUEUE_CAPACITY = 100;
    public static final int DEFAULT_HTTP_THREADS = 8;
    public static final String DEFAULT_DATA_DIR = "demucs-jobs";
    public static final long DEFAULT_MAX_INPUT_MB = 2048;
    public static final long DEFAULT_MAX_INPUT_BYTES = DEFAULT_MAX_INPUT_MB * 1024 * 1024;
    public static final long DEFAULT_MAX_JSON_BYTES = 64 * 1024;
    public static final int DEFAULT_RETENTION_DAYS = 7;
    public static final Duration DEFAULT_RETENTION_MAX_AGE = Duration.ofDays(DEFAULT_RETENTION_DAYS);
    public static final int DEFAULT_RETENTION_MAX_COUNT = 1000;
    public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 30;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(DEFAULT_SHUTDOWN_GRACE_SECONDS);
    public static final String DEFAULT_TOKEN_ENV = "DEMUCS_API_TOKEN";

    // ---- server hardening (connection handling, wall time, disk, default auth) ----
    /** Seconds a connection may stay silent (mid-request or between requests) before it is closed. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 30;
    /** Most open connections; further ones wait in the kernel's accept backlog. */
    public static final int DEFAULT_MAX_CONNECTIONS = 512;
    /** Largest request line plus headers, in bytes (more: 431). */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    /** Slowest accepted request body, in bytes per second (slower: the request fails). */
    public static final long DEFAULT_MIN_REQUEST_DATA_RATE = 1024;
    public static final int DEFAULT_MAX_JOB_MINUTES = 120;
    public static final Duration DEFAULT_MAX_JOB_TIME = Duration.ofMinutes(DEFAULT_MAX_JOB_MINUTES);
    public static final long DEFAULT_MIN_FREE_MB = 1024;
    /** The file in the data directory holding the generated token (see {@link #noAuth()}). */
    public static final String TOKEN_FILE = "api-token";
    // ---- end of server hardening ----
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(30);
    /** Default caps on a job's cost ({@link #jobLimits()}), one constant per {@code serve} flag. */
    public static final int DEFAULT_MAX_SHIFTS = JobLimits.SERVER_MAX_SHIFTS;
    public static final double DEFAULT_MAX_OVERLAP = JobLimits.SERVER_MAX_OVERLAP;
    public static final double DEFAULT_MIN_SEGMENT_SECONDS = JobLimits.SERVER_MIN_SEGMENT_SECONDS;
    public static final double DEFAULT_MAX_INPUT_SECONDS = JobLimits.SERVER_MAX_INPUT_SECONDS;
    public static final long DEFAULT_MAX_FILES_PER_JOB = JobLimits.SERVER_MAX_FILES_PER_JOB;

    private final String host;
    private final int port;
    private final int workers;
    private final List<Device> workerDevices;
    private final int queueCapacity;
    private final int httpThreads;
    private final Path dataDir;
    private final String modelSpec;
    private final ModelBag modelBag;
    private final boolean offline;
    private final SeparationOptions separationOptions;
    private final boolean allowPrivateUrls;
    private final String bearerToken;
    private final long maxInputBytes;
    private final long maxJsonBytes;
    private final Duration retentionMaxAge;
    private final int retentionMaxCount;
    private final Duration shutdownGrace;
    private final Duration fetchTimeout;
    private final JobLimits jobLimits;
    // server hardening
    private final Duration idleTimeout;
    private final int maxConnections;
    private final int maxHeaderBytes;
    private final long minRequestDataRate;
    private final Duration maxJobTime;
    private final long minFreeBytes;
    private final boolean noAuth;
    // cluster mode
    private final String store;
    private final String files;
    private final String nodeId;
    private final Duration lease;
    private final Duration heartbeat;
    private final Duration poll;

    private ServerConfig(Builder b) {
        host = b.host;
        port = b.port;
        workers = b.workers;
        workerDevices = b.workerDevices;
        queueCapacity = b.queueCapacity;
        httpThreads = b.httpThreads;
        dataDir = b.dataDir;
        modelSpec = b.modelSpec;
        modelBag = b.modelBag;
        offline = b.offline;
        separationOptions = b.separationOptions;
        allowPrivateUrls = b.allowPrivateUrls;
        bearerToken = b.bearerToken;
        maxInputBytes = b.maxInputBytes;
        maxJsonBytes = b.maxJsonBytes;
        retentionMaxAge = b.retentionMaxAge;
        retentionMaxCount = b.retentionMaxCount;
        shutdownGrace = b.shutdownGrace;
        fetchTimeout = b.fetchTimeout;
        jobLimits = b.jobLimits;
        idleTimeout = b.idleTimeout;
        maxConnections = b.maxConnections;
        maxHeaderBytes = b.maxHeaderBytes;
        minRequestDataRate = b.minRequestDataRate;
        maxJobTime = b.maxJobTime;
        minFreeBytes = b.minFreeBytes;
        noAuth = b.noAuth;
        store = b.store;
        files = b.files;
        nodeId = b.nodeId;
        lease = b.lease;
        heartbeat = b.heartbeat;
        poll = b.poll;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.workers = workers;
        b.workerDevices = workerDevices;
        b.queueCapacity = queueCapacity;
        b.httpThreads = httpThreads;
        b.dataDir = dataDir;
        b.modelSpec = modelSpec;
        b.modelBag = modelBag;
        b.offline = offline;
        b.separationOptions = separationOptions;
        b.allowPrivateUrls = allowPrivateUrls;
        b.bearerToken = bearerToken;
        b.maxInputBytes = maxInputBytes;
        b.maxJsonBytes = maxJsonBytes;
        b.retentionMaxAge = retentionMaxAge;
        b.retentionMaxCount = retentionMaxCount;
        b.shutdownGrace = shutdownGrace;
        b.fetchTimeout = fetchTimeout;
        b.jobLimits = jobLimits;
        b.idleTimeout = idleTimeout;
        b.maxConnections = maxConnections;
        b.maxHeaderBytes = maxHeaderBytes;
        b.minRequestDataRate = minRequestDataRate;
        b.maxJobTime = maxJobTime;
        b.minFreeBytes = minFreeBytes;
        b.noAuth = noAuth;
        b.store = store;
        b.files = files;
        b.nodeId = nodeId;
        b.lease = lease;
        b.heartbeat = heartbeat;
        b.poll = poll;
        return b;
    }

    /** Address to bind. */
    public String host() {
        return host;
    }

    /** TCP port; 0 = any free port (read the bound one from {@link DemucsServer#port()}). */
    public int port() {
        return port;
    }

    /** Jobs separated at once. */
    public int workers() {
        return workers;
    }

    /** Most jobs waiting (not counting running ones); a full queue answers 429. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Threads answering HTTP requests. */
    public int httpThreads() {
        return httpThreads;
    }

    /** Directory holding one sub-directory per job (under {@code jobs/}). */
    public Path dataDir() {
        return dataDir;
    }

    /** Model passed to the model resolver (name, .onnx path or bag manifest); empty = its default. */
    public Optional<String> modelSpec() {
        return Optional.ofNullable(modelSpec);
    }

    /** A model bag used as is instead of resolving {@link #modelSpec()}. */
    public Optional<ModelBag> modelBag() {
        return Optional.ofNullable(modelBag);
    }

    /** Resolve the model without network access. */
    public boolean offline() {
        return offline;
    }

    /** Options of the shared separator (device, shifts, overlap ...). */
    /**
     * One device per worker (e.g. {@code cuda:0, cuda:1}: one worker per GPU, each with its own
     * separator), or empty when every worker shares the separator on
     * {@link SeparationOptions#device()}. When set, its size is {@link #workers()}.
     */
    public List<Device> workerDevices() {
        return workerDevices;
    }

    public SeparationOptions separationOptions() {
        return separationOptions;
    }

    /** Whether {@code input_url} may point at loopback, link-local or private addresses. */
    public boolean allowPrivateUrls() {
        return allowPrivateUrls;
    }

    /**
     * Bearer token required from every caller on every route except {@code /health} and the web
     * page; empty = none configured (see {@link #noAuth()} for what the server does then).
     */
    public Optional<String> bearerToken() {
        return Optional.ofNullable(bearerToken);
    }

    /** Largest upload body or downloaded input, in bytes. */
    public long maxInputBytes() {
        return maxInputBytes;
    }

    /** Largest JSON request body, in bytes. */
    public long maxJsonBytes() {
        return maxJsonBytes;
    }

    /** Finished jobs older than this are deleted; {@link Duration#ZERO} = no age limit. */
    public Duration retentionMaxAge() {
        return retentionMaxAge;
    }

    /** At most this many finished jobs are kept (oldest deleted first); 0 = no count limit. */
    public int retentionMaxCount() {
        return retentionMaxCount;
    }

    /** How long {@link DemucsServer#close()} lets running jobs finish before interrupting them. */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** Connect and idle-read timeout when downloading an {@code input_url}. */
    public Duration fetchTimeout() {
        return fetchTimeout;
    }

    /**
     * The operator's caps on every job (shifts, overlap, segment length, input duration, files);
     * a job past one is refused with 400 naming the limit, or fails with it once the input's
     * duration is known. Default {@link JobLimits#SERVER}.
     */
    public JobLimits jobLimits() {
        return jobLimits;
    }

    // ---- server hardening ----

    /** How long a connection may stay silent, mid-request or between requests, before it is closed. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Most connections open at once. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Largest request line plus headers in bytes; larger requests get 431. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** Slowest request body accepted, in bytes per second; 0 = no minimum. */
    public long minRequestDataRate() {
        return minRequestDataRate;
    }

    /** Longest a job may run (download and separation); past it the job fails with that reason. */
    public Duration maxJobTime() {
        return maxJobTime;
    }

    /** Free space the data directory's file system must keep; a new job is refused with 507 below it. */
    public long minFreeBytes() {
        return minFreeBytes;
    }

    /**
     * True to serve without authentication even on a non-loopback address. When false, no
     * {@link #bearerToken()} is set and {@link #host()} is not a loopback address, the server
     * creates a random token in {@code <dataDir>/}{@value #TOKEN_FILE} (mode 0600) on its first
     * start, reuses it later, and requires it from every caller that is not on the loopback
     * interface.
     */
    public boolean noAuth() {
        return noAuth;
    }

    /**
     * Where the job queue lives: empty for the single-server default ({@code job.json} files
     * beside the job files); a location a {@link dev.demucs.job.queue.JobBackendProvider} on the
     * class path handles ({@code jdbc:postgresql://host/db}, with demucs-cluster) for a queue
     * shared by several servers.
     */
    public Optional<String> store() {
        return Optional.ofNullable(store);
    }

    /**
     * Where the job files live: empty for {@link #dataDir()}; a folder (a volume shared by
     * several servers), or a location a provider handles ({@code s3://bucket/prefix}).
     */
    public Optional<String> files() {
        return Optional.ofNullable(files);
    }

    /** This server's id among the servers of a shared queue; empty = a random one per start. */
    public Optional<String> nodeId() {
        return Optional.ofNullable(nodeId);
    }

    /** How long a running job's lease lasts in a shared queue without a heartbeat: a dead server's job runs elsewhere after this. */
    public Duration lease() {
        return lease;
    }

    /** How often a server of a shared queue renews its leases and checks for jobs deleted elsewhere. */
    public Duration heartbeat() {
        return heartbeat;
    }

    /** How often an idle worker of a shared queue looks for jobs created on other servers. */
    public Duration poll() {
        return poll;
    }

    // ---- end of server hardening ----

    @Override
    public String toString() {
        return "ServerConfig{host=" + host + ", port=" + port + ", workers=" + workers + ", queueCapacity="
                + queueCapacity + ", dataDir=" + dataDir + ", model=" + (modelBag != null ? modelBag : modelSpec)
                + ", allowPrivateUrls=" + allowPrivateUrls + ", token=" + (bearerToken == null ? "none" : "set")
                + ", maxInputBytes=" + maxInputBytes + ", jobLimits=" + jobLimits + ", noAuth=" + noAuth + "}";
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int workers = DEFAULT_WORKERS;
        private List<Device> workerDevices = List.of();
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int httpThreads = DEFAULT_HTTP_THREADS;
        private Path dataDir = Path.of(DEFAULT_DATA_DIR);
        private String modelSpec;
        private ModelBag modelBag;
        private boolean offline;
        private SeparationOptions separationOptions = SeparationOptions.defaults();
        private boolean allowPrivateUrls;
        private String bearerToken;
        private long maxInputBytes = DEFAULT_MAX_INPUT_BYTES;
        private long maxJsonBytes = DEFAULT_MAX_JSON_BYTES;
        private Duration retentionMaxAge = DEFAULT_RETENTION_MAX_AGE;
        private int retentionMaxCount = DEFAULT_RETENTION_MAX_COUNT;
        private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
        private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
        private JobLimits jobLimits = JobLimits.SERVER;
        // server hardening
        private Duration idleTimeout = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private long minRequestDataRate = DEFAULT_MIN_REQUEST_DATA_RATE;
        private Duration maxJobTime = DEFAULT_MAX_JOB_TIME;
        private long minFreeBytes = DEFAULT_MIN_FREE_MB * 1024 * 1024;
        private boolean noAuth;
        private String store;
        private String files;
        private String nodeId;
        private Duration lease = dev.demucs.job.queue.NodeSettings.DEFAULT_LEASE;
        private Duration heartbeat = dev.demucs.job.queue.NodeSettings.DEFAULT_HEARTBEAT;
        private Duration poll = dev.demucs.job.queue.NodeSettings.DEFAULT_POLL;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        public Builder httpThreads(int httpThreads) {
            this.httpThreads = httpThreads;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Model for the resolver; {@code null} or blank = the resolver's default model. */
        public Builder modelSpec(String modelSpec) {
            this.modelSpec = modelSpec == null || modelSpec.isBlank() ? null : modelSpec.trim();
            return this;
        }

        /** Use this bag as is (takes precedence over {@link #modelSpec(String)}). */
        public Builder modelBag(ModelBag modelBag) {
            this.modelBag = modelBag;
            return this;
        }

        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** One device per worker; also sets {@link #workers(int)} to their number. Empty = shared separator. */
        public Builder workerDevices(List<Device> devices) {
            this.workerDevices = devices == null ? null : List.copyOf(devices);
            if (devices != null && !devices.isEmpty()) {
                this.workers = devices.size();
            }
            return this;
        }

        public Builder separationOptions(SeparationOptions separationOptions) {
            this.separationOptions = separationOptions;
            return this;
        }

        public Builder allowPrivateUrls(boolean allowPrivateUrls) {
            this.allowPrivateUrls = allowPrivateUrls;
            return this;
        }

        /** {@code null} or blank = no authentication. */
        public Builder bearerToken(String bearerToken) {
            this.bearerToken = bearerToken == null || bearerToken.isBlank() ? null : bearerToken.trim();
            return this;
        }

        public Builder maxInputBytes(long maxInputBytes) {
            this.maxInputBytes = maxInputBytes;
            return this;
        }

        public Builder maxJsonBytes(long maxJsonBytes) {
            this.maxJsonBytes = maxJsonBytes;
            return this;
        }

        public Builder retentionMaxAge(Duration retentionMaxAge) {
            this.retentionMaxAge = retentionMaxAge;
            return this;
        }

        public Builder retentionMaxCount(int retentionMaxCount) {
            this.retentionMaxCount = retentionMaxCount;
            return this;
        }

        public Builder shutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        public Builder fetchTimeout(Duration fetchTimeout) {
            this.fetchTimeout = fetchTimeout;
            return this;
        }

        /** Caps on every job; {@link JobLimits#NONE} for none. */
        public Builder jobLimits(JobLimits jobLimits) {
            this.jobLimits = jobLimits;
            return this;
        }

        // ---- server hardening ----

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        public Builder maxHeaderBytes(int maxHeaderBytes) {
            this.maxHeaderBytes = maxHeaderBytes;
            return this;
        }

        public Builder minRequestDataRate(long bytesPerSecond) {
            this.minRequestDataRate = bytesPerSecond;
            return this;
        }

        public Builder maxJobTime(Duration maxJobTime) {
            this.maxJobTime = maxJobTime;
            return this;
        }

        public Builder minFreeBytes(long minFreeBytes) {
            this.minFreeBytes = minFreeBytes;
            return this;
        }

        /** See {@link ServerConfig#store()}; null or blank = the single-server default. */
        public Builder store(String store) {
            this.store = store == null || store.isBlank() ? null : store.trim();
            return this;
        }

        /** See {@link ServerConfig#files()}; null or blank = the data directory. */
        public Builder files(String files) {
            this.files = files == null || files.isBlank() ? null : files.trim();
            return this;
        }

        /** See {@link ServerConfig#nodeId()}; null or blank = random. */
        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId == null || nodeId.isBlank() ? null : nodeId.trim();
            return this;
        }

        /** See {@link ServerConfig#lease()}. */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** See {@link ServerConfig#heartbeat()}. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = heartbeat;
            return this;
        }

        /** See {@link ServerConfig#poll()}. */
        public Builder poll(Duration poll) {
            this.poll = poll;
            return this;
        }

        public Builder noAuth(boolean noAuth) {
            this.noAuth = noAuth;
            return this;
        }

        // ---- end of server hardening ----

        public ServerConfig build() {
            if (host == null || host.isBlank()) {
                throw bad("host", host, "must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw bad("port", port, "must be in 0 … 65535 (0 = any free port)");
            }
            if (workers < 1) {
                throw bad("workers", workers, "must be >= 1");
            }
            if (queueCapacity < 0) {
                throw bad("queueCapacity", queueCapacity, "must be >= 0");
            }
            if (httpThreads < 1) {
                throw bad("httpThreads", httpThreads, "must be >= 1");
            }
            if (dataDir == null) {
                throw bad("dataDir", null, "must not be null");
            }
            if (workerDevices == null) {
                throw bad("workerDevices", null, "must not be null (empty = one shared separator)");
            }
            if (!workerDevices.isEmpty() && workerDevices.size() != workers) {
                throw bad("workers", workers, "must equal the number of worker devices " + workerDevices);
            }
            if (separationOptions == null) {
                throw bad("separationOptions", null, "must not be null");
            }
            if (maxInputBytes < 1) {
                throw bad("maxInputBytes", maxInputBytes, "must be >= 1");
            }
            if (maxJsonBytes < 1) {
                throw bad("maxJsonBytes", maxJsonBytes, "must be >= 1");
            }
            requireNonNegative("retentionMaxAge", retentionMaxAge);
            if (retentionMaxCount < 0) {
                throw bad("retentionMaxCount", retentionMaxCount, "must be >= 0 (0 = no limit)");
            }
            requireNonNegative("shutdownGrace", shutdownGrace);
            requirePositive("fetchTimeout", fetchTimeout);
            // server hardening
            requirePositive("idleTimeout", idleTimeout);
            requirePositive("maxJobTime", maxJobTime);
            if (maxConnections < 1) {
                throw bad("maxConnections", maxConnections, "must be >= 1");
            }
            if (maxHeaderBytes < 1024) {
                throw bad("maxHeaderBytes", maxHeaderBytes, "must be >= 1024");
            }
            if (minRequestDataRate < 0) {
                throw bad("minRequestDataRate", minRequestDataRate, "must be >= 0 (0 = no minimum)");
            }
            if (minFreeBytes < 0) {
                throw bad("minFreeBytes", minFreeBytes, "must be >= 0");
            }
            if (jobLimits == null) {
                throw bad("jobLimits", null, "must not be null (JobLimits.NONE for no caps)");
            }
            requirePositive("lease", lease);
            requirePositive("heartbeat", heartbeat);
            requirePositive("poll", poll);
            if (heartbeat.compareTo(lease) >= 0) {
                throw bad("heartbeat", heartbeat, "must be shorter than the lease (" + lease + ")");
            }
            if (nodeId != null && !nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
                throw bad("nodeId", nodeId, "must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
            }
            return new ServerConfig(this);
        }

        private static void requireNonNegative(String field, Duration d) {
            if (d == null || d.isNegative()) {
                throw bad(field, d, "must be a duration >= 0");
            }
        }

        private static void requirePositive(String field, Duration d) {
            requireNonNegative(field, d);
            if (d.isZero()) {
                throw bad(field, d, "must be > 0");
            }
        }

        private static IllegalArgumentException bad(String field, Object value, String rule) {
            return new IllegalArgumentException(field + " " + rule + ", got " + Objects.toString(value));
        }
    }
}
