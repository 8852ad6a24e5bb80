package dev.demucs.cli;

import dev.demucs.core.Device;
import dev.demucs.core.SeparationOptions;
import dev.demucs.http.DemucsServer;
import dev.demucs.http.ServerConfig;
import dev.demucs.job.JobLimits;
import dev.demucs.job.queue.JobBackends;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate serve}: runs the REST job service ({@link DemucsServer}) until the
 * process is stopped. SIGTERM / Ctrl-C stop accepting requests, give running jobs the grace
 * period, record unfinished ones as interrupted (they run again at the next start) and exit.
 * The bearer token comes from the environment variable named by {@code --token-env}
 * ({@code DEMUCS_API_TOKEN} by default), never from the command line.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the REST job service (the template's API, port 8185).",
                "Endpoints: GET /health, GET /status, POST /job, GET /jobs, GET|DELETE /job/{id},",
                "GET /job/{id}/logs, GET /result/{id}[/{name}], GET /openapi.json."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = ServerConfig.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}, every interface; 127.0.0.1 for local use only).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "TCP port, 0 = any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_WORKERS,
            description = "Jobs separated at once (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--devices", paramLabel = "N[,N...]", split = ",",
            description = "One worker per listed GPU, each with its own model session (e.g. 0,1 = cuda:0 and cuda:1;"
                    + " 'cpu' entries also allowed); replaces --workers.")
    List<String> devices;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_QUEUE_CAPACITY,
            description = "Most waiting jobs; more get 429 (default: ${DEFAULT-VALUE}).")
    int queueCapacity;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ServerConfig.DEFAULT_DATA_DIR,
            description = "One folder per job (job.json, progress.txt, results) (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    /** The engine flags, as the separation command has them; a job may set its own shifts, overlap and seed. */
    @CommandLine.Mixin
    EngineOptions engine = new EngineOptions();

    @Option(names = "--max-upload-mb", paramLabel = "MB", defaultValue = "" + ServerConfig.DEFAULT_MAX_INPUT_MB,
            description = "Largest upload or downloaded input, in MiB (default: ${DEFAULT-VALUE}).")
    long maxUploadMb;

    @Option(names = "--retention-days", paramLabel = "DAYS", defaultValue = "" + ServerConfig.DEFAULT_RETENTION_DAYS,
            description = "Delete finished jobs older than this; 0 = keep (default: ${DEFAULT-VALUE}).")
    double retentionDays;

    @Option(names = "--retention-count", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_RETENTION_MAX_COUNT,
            description = "Keep at most this many finished jobs; 0 = no limit (default: ${DEFAULT-VALUE}).")
    int retentionCount;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "" + ServerConfig.DEFAULT_SHUTDOWN_GRACE_SECONDS,
            description = "On SIGTERM, let running jobs finish this long before recording them as interrupted (default: ${DEFAULT-VALUE}).")
    double shutdownGraceSeconds;

    @Option(names = "--max-shifts", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MAX_SHIFTS,
            description = "Most shifts a job may ask for (default: ${DEFAULT-VALUE}).")
    int maxShifts;

    @Option(names = "--max-overlap", paramLabel = "FRACTION", defaultValue = "" + ServerConfig.DEFAULT_MAX_OVERLAP,
            description = "Largest overlap a job may ask for, in [0, 1]; 1 = no cap (default: ${DEFAULT-VALUE}).")
    double maxOverlap;

    @Option(names = "--min-segment-seconds", paramLabel = "SECONDS", defaultValue = "" + ServerConfig.DEFAULT_MIN_SEGMENT_SECONDS,
            description = "Shortest segment_max_seconds and gap between interval_cut points; 0 = no cap (default: ${DEFAULT-VALUE}).")
    double minSegmentSeconds;

    @Option(names = "--max-input-seconds", paramLabel = "SECONDS", defaultValue = "" + ServerConfig.DEFAULT_MAX_INPUT_SECONDS,
            description = "Longest input a job may have; 0 = no cap (default: ${DEFAULT-VALUE}).")
    double maxInputSeconds;

    @Option(names = "--max-files-per-job", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MAX_FILES_PER_JOB,
            description = "Most files a job may write (segments x files per segment); 0 = no cap (default: ${DEFAULT-VALUE}).")
    long maxFilesPerJob;

    @Option(names = "--allow-private-urls",
            description = "Accept input_url on loopback, link-local and private addresses (local use and tests only).")
    boolean allowPrivateUrls;

    @Option(names = "--token-env", paramLabel = "NAME", defaultValue = ServerConfig.DEFAULT_TOKEN_ENV,
            description = {"Environment variable holding the bearer token, then required from every caller (default: ${DEFAULT-VALUE}).",
                    "Unset or empty on a non-loopback --host: a token is generated into DATA-DIR/" + ServerConfig.TOKEN_FILE
                            + " and required from remote callers only; loopback callers need none."})
    String tokenEnv;

    /** JobLimits names a cap as its snake_case name ({@code max_shifts ...}): say the flag. */
    private static String flagNames(String message) {
        return message.matches("(max|min)_[a-z_]+ .*") ? "--" + message.substring(0, message.indexOf(' ')).replace('_', '-')
                + message.substring(message.indexOf(' ')) : message;
    }

    // ---- server hardening ----
    @Option(names = "--no-auth",
            description = "Serve without any token even on a non-loopback --host (only behind your own authenticating proxy or firewall).")
    boolean noAuth;

    @Option(names = "--max-job-minutes", paramLabel = "MINUTES", defaultValue = "" + ServerConfig.DEFAULT_MAX_JOB_MINUTES,
            description = "A job running longer (download and separation) fails with that reason (default: ${DEFAULT-VALUE}).")
    double maxJobMinutes;

    @Option(names = "--min-free-mb", paramLabel = "MB", defaultValue = "" + ServerConfig.DEFAULT_MIN_FREE_MB,
            description = "Refuse new jobs (507) when the data directory's disk has less free space (default: ${DEFAULT-VALUE}).")
    long minFreeMb;

    @Option(names = "--http-threads", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_HTTP_THREADS,
            description = "Threads answering requests (default: ${DEFAULT-VALUE}).")
    int httpThreads;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MAX_CONNECTIONS,
            description = "Most open connections; more wait to be accepted (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "" + ServerConfig.DEFAULT_IDLE_TIMEOUT_SECONDS,
            description = "Close a connection silent this long, mid-request or between requests (default: ${DEFAULT-VALUE}).")
    int idleTimeoutSeconds;
    // ---- end of server hardening ----

    // ---- cluster mode ----
    @Option(names = "--store", paramLabel = "JDBC-URL", defaultValue = "${env:DEMUCS_STORE}",
            description = {"Share one job queue with other servers: jdbc:postgresql://HOST:PORT/DB?user=NAME (env DEMUCS_STORE;"
                    + " the password in the URL or in DEMUCS_STORE_PASSWORD). Default: this server's own queue in --data-dir."})
    String store;

    @Option(names = "--files", paramLabel = "DIR|s3://BUCKET/PREFIX", defaultValue = "${env:DEMUCS_FILES}",
            description = {"Where job inputs and results live: a folder every server mounts (a network volume), or"
                    + " s3://BUCKET/PREFIX on S3-compatible object storage (endpoint, region and credentials from"
                    + " AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; DEMUCS_S3_PATH_STYLE),"
                    + " so any server serves any job's files (env DEMUCS_FILES). Default: --data-dir."})
    String files;

    @Option(names = "--node-id", paramLabel = "ID", defaultValue = "${env:DEMUCS_NODE_ID}",
            description = "This server's id in GET /status of a shared queue (env DEMUCS_NODE_ID; default: random per start).")
    String nodeId;

    @Option(names = "--lease-seconds", paramLabel = "SECONDS", defaultValue = "30",
            description = "Shared queue: a server silent this long is taken for dead and its running jobs run elsewhere (default: ${DEFAULT-VALUE}).")
    double leaseSeconds;

    @Option(names = "--heartbeat-seconds", paramLabel = "SECONDS", defaultValue = "5",
            description = "Shared queue: how often a server renews its jobs' leases and sees jobs deleted elsewhere (default: ${DEFAULT-VALUE}).")
    double heartbeatSeconds;

    @Option(names = "--poll-seconds", paramLabel = "SECONDS", defaultValue = "1",
            description = "Shared queue: how often an idle worker looks for jobs posted to other servers (default: ${DEFAULT-VALUE}).")
    double pollSeconds;
    // ---- end of cluster mode ----

    private static Duration seconds(String flag, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(flag + " must be a number of seconds > 0, got " + value);
        }
        return Duration.ofMillis(Math.max(1, Math.round(value * 1000)));
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ServerConfig config;
        try {
            if (maxUploadMb < 1 || maxUploadMb > Long.MAX_VALUE / (1024 * 1024)) {
                throw new IllegalArgumentException("--max-upload-mb must be >= 1, got " + maxUploadMb);
            }
            if (!(retentionDays >= 0) || Double.isInfinite(retentionDays)) {
                throw new IllegalArgumentException("--retention-days must be a number >= 0, got " + retentionDays);
            }
            if (!(shutdownGraceSeconds >= 0) || Double.isInfinite(shutdownGraceSeconds)) {
                throw new IllegalArgumentException("--shutdown-grace must be a number of seconds >= 0, got " + shutdownGraceSeconds);
            }
            // server hardening
            if (!(maxJobMinutes > 0) || Double.isInfinite(maxJobMinutes)) {
                throw new IllegalArgumentException("--max-job-minutes must be a number > 0, got " + maxJobMinutes);
            }
            if (minFreeMb < 0 || minFreeMb > Long.MAX_VALUE / (1024 * 1024)) {
                throw new IllegalArgumentException("--min-free-mb must be >= 0, got " + minFreeMb);
            }
            if (idleTimeoutSeconds < 1) {
                throw new IllegalArgumentException("--idle-timeout must be >= 1 second, got " + idleTimeoutSeconds);
            }
            Duration lease = seconds("--lease-seconds", leaseSeconds);
            Duration heartbeat = seconds("--heartbeat-seconds", heartbeatSeconds);
            if (heartbeat.compareTo(lease) >= 0) {
                throw new IllegalArgumentException("--heartbeat-seconds must be shorter than --lease-seconds, got "
                        + heartbeatSeconds + " and " + leaseSeconds);
            }
            SeparationOptions options = engine.separationOptions(spec);
            JobLimits limits = new JobLimits(maxShifts, maxOverlap, minSegmentSeconds, maxInputSeconds, maxFilesPerJob);
            List<Device> workerDevices = new ArrayList<>();
            for (String d : devices == null ? List.<String>of() : devices) {
                String t = d.trim();
                try {
                    workerDevices.add(Device.parse(t.matches("[0-9]+") ? "cuda:" + t : t));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--devices: " + e.getMessage(), e);
                }
            }
            config = ServerConfig.builder()
                    .host(host).port(port).workers(workers).workerDevices(workerDevices).queueCapacity(queueCapacity)
                    .dataDir(dataDir).modelSpec(engine.model()).offline(engine.offline).separationOptions(options)
                    .allowPrivateUrls(allowPrivateUrls)
                    .jobLimits(limits)
                    .bearerToken(System.getenv(tokenEnv))
                    .maxInputBytes(maxUploadMb * 1024 * 1024)
                    .retentionMaxAge(Duration.ofSeconds(Math.round(retentionDays * 86_400)))
                    .retentionMaxCount(retentionCount)
                    .shutdownGrace(Duration.ofMillis(Math.round(shutdownGraceSeconds * 1000)))
                    // server hardening
                    .noAuth(noAuth)
                    .maxJobTime(Duration.ofMillis(Math.round(maxJobMinutes * 60_000)))
                    .minFreeBytes(minFreeMb * 1024 * 1024)
                    .httpThreads(httpThreads)
                    .maxConnections(maxConnections)
                    .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
                    // cluster mode
                    .store(store).files(files).nodeId(nodeId)
                    .lease(lease).heartbeat(heartbeat).poll(seconds("--poll-seconds", pollSeconds))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), flagNames(e.getMessage()), e);
        }

        DemucsServer server;
        try {
            server = DemucsServer.create(config);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            err.println("serve: " + e.getMessage());
            err.flush();
            return ExitCodes.IO;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            err.println("serve: stopping (running jobs get " + shutdownGraceSeconds + " s, then are recorded as interrupted)");
            err.flush();
            server.close();
            stopped.countDown();
        }, "demucs-serve-shutdown");
        try {
            server.start();
        } catch (UncheckedIOException | IllegalStateException e) {
            err.println("serve: " + e.getMessage());
            err.flush();
            server.close();
            return ExitCodes.IO;
        }
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("demucs-http " + DemucsServer.version() + " listening on http://" + host + ":" + server.port()
                + " (data " + dataDir.toAbsolutePath()
                + config.store().map(s -> ", shared queue " + JobBackends.redact(s) + " as node " + server.nodeId()).orElse("")
                + config.files().map(f -> ", files " + f).orElse("")
                + ", " + config.workers() + " worker(s), device "
                + (config.workerDevices().isEmpty() ? config.separationOptions().device() : config.workerDevices())
                + (config.bearerToken().isPresent() ? ", bearer token required"
                        : server.generatedToken().isPresent() ? ", bearer token required from remote callers" : ", no authentication")
                + (allowPrivateUrls ? ", private URLs allowed" : "") + "); model loading in the background");
        server.generatedToken().ifPresent(t -> out.println("API token for remote callers (kept in " + server.tokenFile().orElseThrow()
                + "): " + t + "  (send 'Authorization: Bearer <token>'; requests from this machine need none)"));
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        return ExitCodes.OK;
    }
}
