package dev.demucs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.OkHttpClient;

/**
 * One separation on a rented GPU: create a pod running our image (falling back through the GPU
 * types while one has no capacity), wait until it runs and its server answers {@code /health} with
 * {@code models_ready}, run the job with {@link RemoteRun}, download, and terminate the pod. On any
 * failure or timeout after the pod exists, and on {@link #release(String)} (a Ctrl-C hook), the pod
 * is terminated: a pod left running costs money. With {@code keepPod} a successful run leaves it up.
 * <p>
 * The pod's server is configured by its environment: {@value #ENV_TOKEN} (a fresh random bearer
 * token per pod), {@value #ENV_MODEL} (when a model is given) and {@value #ENV_DEVICE}.
 */
public final class CloudSeparation {

    /** Bearer token of the pod's server (as {@code serve --token-env} reads by default). */
    public static final String ENV_TOKEN = "DEMUCS_API_TOKEN";
    /** Model of the pod's server. */
    public static final String ENV_MODEL = "DEMUCS_MODEL";
    /** Device of the pod's server. */
    public static final String ENV_DEVICE = "DEMUCS_DEVICE";
    /** The server's port inside the pod (the template's). */
    public static final int PORT = 8185;

    /**
     * What to run.
     *
     * @param input        local file or http(s) URL
     * @param output       output folder
     * @param options      job options
     * @param gpuTypes     GPU types in order of preference
     * @param image        container image
     * @param model        model name for the pod's server, or null for its default
     * @param device       device of the pod's server
     * @param keepPod      leave the pod running after a successful job
     * @param readyTimeout longest wait from creation until the pod's server is ready
     * @param volumeId     network volume, or null
     * @param cloudType    SECURE, COMMUNITY or ALL
     */
    public record Request(String input, Path output, JobOptions options, List<String> gpuTypes, String image, String model,
                          String device, boolean keepPod, Duration readyTimeout, String volumeId, String cloudType) {
    }

    /**
     * The finished run.
     *
     * @param pod            the pod used
     * @param url            its server's URL
     * @param token          its server's bearer token
     * @param kept           whether the pod is still running
     * @param elapsedSeconds from creation to release (or to now when kept)
     * @param costUsd        costPerHr × elapsed
     * @param result         the downloaded job
     */
    public record Outcome(CloudProvider.Pod pod, String url, String token, boolean kept, double elapsedSeconds, double costUsd,
                          RemoteRun.Result result) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final CloudProvider provider;
    private final OkHttpClient http;
    private final RemoteRun.Listener listener;
    private final Duration probeInterval;
    private final HttpCaller.Backoff backoff;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile CloudProvider.Pod pod;
    private volatile long createdNanos;

    /**
     * @param provider      the cloud
     * @param http          the HTTP client for the pod's server
     * @param listener      progress and messages
     * @param probeInterval pause between readiness checks and between polls
     * @param backoff       retry bounds of the calls to the pod's server
     */
    public CloudSeparation(CloudProvider provider, OkHttpClient http, RemoteRun.Listener listener, Duration probeInterval,
                           HttpCaller.Backoff backoff) {
        this.provider = provider;
        this.http = http;
        this.listener = listener;
        this.probeInterval = probeInterval;
        this.backoff = backoff;
    }

    /** Runs the request; the pod is terminated on every path but a kept successful one. */
    public Outcome run(Request request) {
        RemoteRun.readState(request.output()).ifPresent(s -> {
            throw new ClientException(ClientException.Kind.REJECTED, "output folder " + request.output() + " holds the unfinished job "
                    + s.jobId() + " on " + s.server() + "; finish it with 'remote --resume " + request.output()
                    + "' or choose another --output");
        });
        String token = newToken();
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ENV_TOKEN, token);
        if (request.model() != null) {
            env.put(ENV_MODEL, request.model());
        }
        env.put(ENV_DEVICE, request.device());
        CloudProvider.PodSpec spec = new CloudProvider.PodSpec("demucs-" + Long.toString(System.currentTimeMillis(), 36),
                request.image(), env, PORT, 20, request.volumeId(), request.cloudType());
        boolean success = false;
        try {
            CloudProvider.Pod created = create(spec, request.gpuTypes());
            String url = provider.serviceUrl(created.id(), PORT);
            RemoteClient client = new RemoteClient(http, url, token, backoff);
            waitReady(created, client, request.readyTimeout());
            client.caller().onTransient(what -> checkAlive(created.id(), what));
            RemoteRun.Result result = new RemoteRun(client, listener, probeInterval.multipliedBy(2))
                    .run(request.input(), request.output(), request.options());
            success = true;
            if (request.keepPod()) {
                double elapsed = elapsedSeconds();
                return new Outcome(created, url, token, true, elapsed, cost(created, elapsed), result);
            }
            double elapsed = elapsedSeconds();
            release("the job is done");
            return new Outcome(created, url, token, false, elapsed, cost(created, elapsed), result);
        } finally {
            if (!success) {
                release("the run failed");
            }
        }
    }

    /**
     * Terminates the pod now if it exists and was not released yet (safe from a shutdown hook).
     *
     * @return whether this call terminated it
     */
    public boolean release(String reason) {
        CloudProvider.Pod p = pod;
        if (p == null || !released.compareAndSet(false, true)) {
            return false;
        }
        double elapsed = elapsedSeconds();
        try {
            provider.terminate(p.id());
            listener.info(provider.name() + " pod " + p.id() + " terminated (" + reason + "); about " + money(cost(p, elapsed))
                    + " for " + minutes(elapsed) + " at " + money(p.costPerHr()) + "/h");
            return true;
        } catch (ClientException e) {
            listener.info("could not terminate " + provider.name() + " pod " + p.id() + " (" + e.getMessage()
                    + "): terminate it by hand with 'demucs-separate runpod stop --pod-id " + p.id() + " --terminate'");
            return false;
        }
    }

    private CloudProvider.Pod create(CloudProvider.PodSpec spec, List<String> gpuTypes) {
        NoCapacityException last = null;
        for (String type : gpuTypes) {
            try {
                createdNanos = System.nanoTime();
                CloudProvider.Pod p = provider.create(spec, type);
                pod = p;
                listener.info("created " + provider.name() + " pod " + p.id() + " on " + type + " at " + money(p.costPerHr()) + "/h");
                return p;
            } catch (NoCapacityException e) {
                last = e;
                listener.info(e.getMessage() + "; trying the next GPU type");
            }
        }
        throw new NoCapacityException("no capacity for any GPU type " + gpuTypes + " on " + provider.name()
                + (last == null ? "" : " (last: " + last.getMessage() + ")") + "; try other types with --gpu");
    }

    private void waitReady(CloudProvider.Pod created, RemoteClient client, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RemoteClient probe = new RemoteClient(http, client.baseUrl(), null, new HttpCaller.Backoff(Duration.ZERO, Duration.ZERO, Duration.ZERO));
        String stage = "provisioning";
        while (true) {
            CloudProvider.Pod p = provider.get(created.id());
            if (!p.running()) {
                if (p.status().equals("EXITED") || p.status().equals("TERMINATED")) {
                    throw new ClientException(ClientException.Kind.UNAVAILABLE, "pod " + p.id() + " is " + p.status() + " before its server was ready");
                }
            } else {
                stage = "waiting for the server at " + client.baseUrl();
                if (healthy(probe)) {
                    stage = "waiting for the model to load";
                    JsonNode status = client.status();
                    if (status.hasNonNull("model_error")) {
                        throw new ClientException(ClientException.Kind.JOB_FAILED, "the pod's server cannot load its model: "
                                + RemoteClient.oneLine(status.get("model_error").asText()));
                    }
                    if (status.path("models_ready").asBoolean()) {
                        listener.info("pod " + p.id() + " is ready at " + client.baseUrl() + " (device "
                                + status.path("device").asText("?") + ")");
                        return;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new ClientException(ClientException.Kind.UNAVAILABLE, "pod " + p.id() + " was not ready within --timeout "
                        + minutes(timeout.toMillis() / 1000.0) + " (" + stage + ")");
            }
            HttpCaller.sleep(probeInterval.toMillis());
        }
    }

    private static boolean healthy(RemoteClient probe) {
        try {
            return "ok".equals(probe.health().path("status").asText());
        } catch (ClientException e) {
            return false; // the proxy answers 502 until the container listens
        }
    }

    private void checkAlive(String podId, String what) {
        CloudProvider.Pod p = provider.get(podId);
        if (!p.running()) {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "pod " + podId + " is " + p.status()
                    + ": it stopped during the job (its server answered " + what + ")");
        }
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - createdNanos) / 1e9;
    }

    private static double cost(CloudProvider.Pod p, double seconds) {
        return p.costPerHr() * seconds / 3600;
    }

    static String money(double usd) {
        return String.format(java.util.Locale.ROOT, "$%.4f", usd);
    }

    static String minutes(double seconds) {
        return String.format(java.util.Locale.ROOT, "%.1f min", seconds / 60);
    }

    private static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
