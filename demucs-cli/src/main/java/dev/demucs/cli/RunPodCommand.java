package dev.demucs.cli;

import dev.demucs.client.CloudProvider;
import dev.demucs.client.CloudSeparation;
import dev.demucs.client.HttpCaller;
import dev.demucs.client.HttpClients;
import dev.demucs.client.RunPodProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate runpod}: the template's {@code runpod_client.py} in the same command.
 * {@code gpus}, {@code separate INPUT}, {@code stop --pod-id ID}, {@code list}. The API key comes
 * from {@code RUNPOD_API_KEY} or {@code --api-key-file} and is never printed.
 */
@Command(name = "runpod", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {RunPodCommand.Gpus.class, RunPodCommand.Separate.class, RunPodCommand.Stop.class, RunPodCommand.ListPods.class},
        description = {"Separate on a RunPod GPU pod: 'gpus', 'separate INPUT --output DIR', 'stop --pod-id ID', 'list'.",
            "The API key comes from $RUNPOD_API_KEY or --api-key-file."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:anything else", "2:usage error, bad input or a request RunPod or the server rejected",
            "4:local file problem", "5:RunPod refused the API key, or the pod's server its token",
            "6:the job failed on the pod", "7:RunPod or the pod unavailable through the retries, no capacity for any GPU type,"
                + " the pod died, or it was not ready within --timeout"})
public final class RunPodCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: gpus, separate, stop or list");
    }

    /** The API key and the API URLs, shared by the subcommands. */
    static final class Settings {
        @Option(names = "--api-key-file", paramLabel = "FILE", description = "File holding the API key (default: $RUNPOD_API_KEY).")
        Path apiKeyFile;

        @Option(names = "--api-url", paramLabel = "URL", defaultValue = "${env:RUNPOD_API_URL:-" + RunPodProvider.DEFAULT_API_URL + "}",
                description = "REST API v1 base (default: $RUNPOD_API_URL or ${DEFAULT-VALUE}).")
        String apiUrl;

        @Option(names = "--graphql-url", paramLabel = "URL", defaultValue = "${env:RUNPOD_GRAPHQL_URL:-" + RunPodProvider.DEFAULT_GRAPHQL_URL + "}",
                description = "GraphQL endpoint (default: $RUNPOD_GRAPHQL_URL or ${DEFAULT-VALUE}).")
        String graphqlUrl;

        @Option(names = "--proxy-url", paramLabel = "TEMPLATE", defaultValue = "${env:RUNPOD_PROXY_URL:-" + RunPodProvider.DEFAULT_PROXY_URL + "}",
                description = "URL of a pod's HTTP port, with {podId} and {port} (default: $RUNPOD_PROXY_URL or ${DEFAULT-VALUE}).")
        String proxyUrl;

        RunPodProvider provider() {
            String key;
            if (apiKeyFile != null) {
                try {
                    key = Files.readString(apiKeyFile, StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    throw new dev.demucs.client.ClientException(dev.demucs.client.ClientException.Kind.IO,
                            "--api-key-file " + apiKeyFile + ": cannot read it (" + e.getClass().getSimpleName() + ")");
                }
            } else {
                key = System.getenv(RunPodProvider.KEY_VARIABLE);
            }
            return new RunPodProvider(HttpClients.create(), new RunPodProvider.Endpoints(apiUrl, graphqlUrl, proxyUrl), key,
                    HttpCaller.Backoff.DEFAULT);
        }
    }

    /** {@code runpod gpus}. */
    @Command(name = "gpus", mixinStandardHelpOptions = true, description = "List GPU types: memory, lowest on-demand price, availability.")
    static final class Gpus implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Settings settings = new Settings();
        @Option(names = "--json", description = "JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            List<CloudProvider.GpuType> types = settings.provider().gpuTypes();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(RunPodProvider.toJson(types).toPrettyString());
            } else {
                out.println(String.format(Locale.ROOT, "%-40s %-22s %6s %8s %-6s %-9s %s", "ID", "NAME", "MEM_GB", "USD/H",
                        "SECURE", "COMMUNITY", "STOCK"));
                for (CloudProvider.GpuType g : types) {
                    out.println(String.format(Locale.ROOT, "%-40s %-22s %6d %8s %-6s %-9s %s", g.id(), g.displayName(), g.memoryGb(),
                            g.pricePerHour() == null ? "-" : String.format(Locale.ROOT, "%.3f", g.pricePerHour()),
                            g.secureCloud() ? "yes" : "no", g.communityCloud() ? "yes" : "no", g.stock() == null ? "-" : g.stock()));
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code runpod separate INPUT}. */
    @Command(name = "separate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create a pod, run the job there, download the result into --output, terminate the pod.",
                "On any failure, timeout or Ctrl-C after the pod exists, the pod is terminated."})
    static final class Separate implements Callable<Integer> {
        /** GPU types tried in this order when --gpu is not given. */
        static final String DEFAULT_GPUS = "NVIDIA GeForce RTX 4090,NVIDIA RTX A5000,NVIDIA GeForce RTX 3090,NVIDIA RTX A4000";
        /** The image when --image is not given. */
        static final String DEFAULT_IMAGE = "ghcr.io/demucs-jvm/demucs-separate:latest";

        @Spec
        CommandSpec spec;
        @Mixin
        Settings settings = new Settings();
        @Parameters(paramLabel = "INPUT", description = "Audio: a local file (uploaded to the pod) or an http(s) URL.")
        String input;
        @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "results", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path output;
        @Mixin
        RemoteJobOptions job = new RemoteJobOptions();
        @Option(names = "--gpu", paramLabel = "TYPE,TYPE2,...", defaultValue = DEFAULT_GPUS,
                description = "GPU type ids, tried in order while one has no capacity (default: ${DEFAULT-VALUE}).")
        String gpus;
        @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "${env:DEMUCS_RUNPOD_IMAGE:-" + DEFAULT_IMAGE + "}",
                description = "Container image (default: $DEMUCS_RUNPOD_IMAGE or ${DEFAULT-VALUE}).")
        String image;
        @Option(names = "--model", paramLabel = "NAME", description = "Model of the pod's server (default: the image's).")
        String model;
        @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]", defaultValue = "cuda", description = "Device of the pod's server (default: ${DEFAULT-VALUE}).")
        String device;
        @Option(names = "--cloud-type", paramLabel = "SECURE|COMMUNITY|ALL", defaultValue = "SECURE", description = "RunPod cloud (default: ${DEFAULT-VALUE}).")
        String cloudType;
        @Option(names = "--keep-pod", description = "Leave the pod running after the job; prints its id, URL, token and the stop command.")
        boolean keepPod;
        @Option(names = "--timeout", paramLabel = "MIN", defaultValue = "15",
                description = "Longest wait for the pod's server to be ready (provisioning, image pull, model load) (default: ${DEFAULT-VALUE}).")
        double timeoutMinutes;
        @Option(names = "--volume", paramLabel = "ID", description = "Network volume to attach (e.g. with the model cache).")
        String volume;
        @Option(names = "--probe-interval", paramLabel = "SECONDS", defaultValue = "2", hidden = true,
                description = "Pause between readiness checks and between polls.")
        double probeSeconds;
        @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors and the final lines.")
        boolean quiet;

        @Override
        public Integer call() {
            if (!(timeoutMinutes > 0) || timeoutMinutes > 24 * 60) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be minutes in (0, 1440], got " + timeoutMinutes);
            }
            List<String> types = Arrays.stream(gpus.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (types.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--gpu lists no GPU type");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ConsoleProgress console = new ConsoleProgress(err, System.console() != null, quiet);
            RunPodProvider provider = settings.provider();
            String uploadLabel = "upload " + RemoteProgress.lastName(input);
            CloudSeparation separation = new CloudSeparation(provider, HttpClients.create(), new RemoteProgress(console, System.console() != null, uploadLabel),
                    Duration.ofMillis(Math.round(probeSeconds * 1000)), HttpCaller.Backoff.DEFAULT);
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                if (finished.getCount() > 0) {
                    console.endBar();
                    err.println("runpod: interrupted, terminating the pod");
                    err.flush();
                    separation.release("interrupted");
                    err.flush();
                }
            }, "demucs-runpod-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            CloudSeparation.Outcome o;
            try {
                o = separation.run(new CloudSeparation.Request(input.trim(), output, job.toJobOptions(), types, image, model, device,
                        keepPod, Duration.ofMillis(Math.round(timeoutMinutes * 60_000)), volume, cloudType));
            } finally {
                finished.countDown();
                console.endBar();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running
                }
            }
            console.info("done: job " + o.result().jobId() + ", " + o.result().files().size() + " file(s) in " + output);
            out.println(String.format(Locale.ROOT, "cost estimate: $%.4f (%.1f min at $%.3f/h)", o.costUsd(), o.elapsedSeconds() / 60,
                    o.pod().costPerHr()));
            if (o.kept()) {
                out.println("pod kept running: " + o.pod().id());
                out.println("url: " + o.url());
                out.println("token: " + o.token());
                out.println("use it: DEMUCS_API_TOKEN=" + o.token() + " demucs-separate remote --server " + o.url() + " --input FILE --output DIR");
                out.println("stop it: demucs-separate runpod stop --pod-id " + o.pod().id() + " --terminate");
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code runpod stop --pod-id ID [--terminate]}. */
    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a pod (its disk is kept and billed), or --terminate it.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Settings settings = new Settings();
        @Option(names = "--pod-id", paramLabel = "ID", required = true, description = "The pod.")
        String podId;
        @Option(names = "--terminate", description = "Terminate: delete the pod and its disk; billing ends.")
        boolean terminate;

        @Override
        public Integer call() {
            RunPodProvider provider = settings.provider();
            if (terminate) {
                provider.terminate(podId);
            } else {
                provider.stop(podId);
            }
            spec.commandLine().getOut().println("pod " + podId + (terminate ? " terminated" : " stopped"));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code runpod list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the account's pods.")
    static final class ListPods implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Settings settings = new Settings();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format(Locale.ROOT, "%-24s %-12s %8s %-30s %s", "ID", "STATUS", "USD/H", "GPU", "NAME"));
            for (CloudProvider.Pod p : settings.provider().list()) {
                out.println(String.format(Locale.ROOT, "%-24s %-12s %8.3f %-30s %s", p.id(), p.status(), p.costPerHr(),
                        p.gpuType() == null ? "-" : p.gpuType(), p.name()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
