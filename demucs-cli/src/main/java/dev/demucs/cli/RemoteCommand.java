package dev.demucs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.demucs.client.ClientException;
import dev.demucs.client.HttpCaller;
import dev.demucs.client.HttpClients;
import dev.demucs.client.RemoteClient;
import dev.demucs.client.RemoteRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code demucs-separate remote}: runs a job on a running {@code serve} (a pod, a LAN box) and
 * downloads the result into the template layout; resumable ({@code --resume DIR} or the same
 * command again). {@code remote jobs|status ID|cancel ID} inspect and cancel jobs.
 */
@Command(name = "remote", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {RemoteCommand.Jobs.class, RemoteCommand.Status.class, RemoteCommand.Cancel.class},
        description = {"Run a job on a running 'demucs-separate serve' and download its result into --output",
            "(the template layout). The job id is kept in DIR/" + RemoteRun.STATE_FILE + " until every file is",
            "downloaded: '--resume DIR', or the same command again, continues instead of submitting again."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:anything else", "2:usage error, bad input or a request the server rejected",
            "4:local file problem", "5:the server refused the token (401/403)", "6:the job failed or was cancelled on the server",
            "7:the server stayed unreachable/unavailable through the retries"})
public final class RemoteCommand implements Callable<Integer> {

    /** Retry budget of {@code jobs}, {@code status} and {@code cancel}: someone is waiting at the terminal. */
    static final Duration QUICK_RETRY = Duration.ofSeconds(20);

    /** {@code --server}, {@code --token} and {@code --retry-for}, shared by the subcommands. */
    static final class ServerOptions {
        @Option(names = "--server", paramLabel = "URL", description = "The server, e.g. http://gpu-box:8185.")
        String server;

        @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:DEMUCS_API_TOKEN}",
                description = "Bearer token of the server (default: $DEMUCS_API_TOKEN).")
        String token;

        @Option(names = "--retry-for", paramLabel = "SECONDS",
                description = "How long to retry a refused connection, 502/503/504/524 or 429 per request"
                    + " (default: 300 for a run, 20 for jobs/status/cancel).")
        Double retryForSeconds;

        RemoteClient client(CommandSpec spec, String fallbackServer) {
            return client(spec, fallbackServer, HttpCaller.Backoff.DEFAULT.maxElapsed());
        }

        RemoteClient client(CommandSpec spec, String fallbackServer, Duration defaultRetry) {
            String url = server != null ? server : fallbackServer;
            if (url == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "missing --server URL");
            }
            if (retryForSeconds != null && !(retryForSeconds >= 0 && retryForSeconds <= 86_400)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--retry-for must be seconds in [0, 86400], got " + retryForSeconds);
            }
            Duration retry = retryForSeconds == null ? defaultRetry : Duration.ofMillis(Math.round(retryForSeconds * 1000));
            HttpCaller.Backoff d = HttpCaller.Backoff.DEFAULT;
            return new RemoteClient(HttpClients.create(), url, token, new HttpCaller.Backoff(retry, d.initial(), d.max()));
        }

        /** For a subcommand: its own flags, else those given before it ({@code remote --server URL jobs}). */
        RemoteClient client(CommandSpec spec, ServerOptions parent) {
            if (token == null || token.isBlank()) {
                token = parent.token;
            }
            if (retryForSeconds == null) {
                retryForSeconds = parent.retryForSeconds;
            }
            return client(spec, parent.server, QUICK_RETRY);
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions serverOptions = new ServerOptions();

    @Option(names = {"-i", "--input"}, paramLabel = "FILE|URL", description = "Audio: a local file (uploaded) or an http(s) URL (fetched by the server).")
    String input;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "results", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the job recorded in DIR (its server unless --server).")
    Path resume;

    @Mixin
    RemoteJobOptions job = new RemoteJobOptions();

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ConsoleProgress console = new ConsoleProgress(err, System.console() != null, quiet);
        RemoteRun.Result result;
        if (resume != null) {
            String recorded = RemoteRun.readState(resume).map(RemoteRun.State::server).orElse(null);
            RemoteClient client = serverOptions.client(spec, recorded);
            result = run(client, console, resume, r -> r.resume(resume));
        } else {
            if (input == null || input.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "missing --input (a local audio file or an http(s) URL), or --resume DIR");
            }
            RemoteClient client = serverOptions.client(spec, (String) null);
            result = run(client, console, output, r -> r.run(input.trim(), output, job.toJobOptions()));
        }
        console.info("done: job " + result.jobId() + ", " + result.files().size() + " file(s) in " + (resume != null ? resume : output));
        return ExitCodes.OK;
    }

    private RemoteRun.Result run(RemoteClient client, ConsoleProgress console, Path dir,
                                 java.util.function.Function<RemoteRun, RemoteRun.Result> body) {
        String uploadLabel = "upload " + (input == null ? "" : RemoteProgress.lastName(input));
        RemoteRun run = new RemoteRun(client, new RemoteProgress(console, System.console() != null, uploadLabel), Duration.ofSeconds(5));
        Thread hook = new Thread(() -> {
            console.endBar();
            console.info("interrupted; the job goes on on the server. Continue with: demucs-separate remote --resume " + dir);
        }, "demucs-remote-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return body.apply(run);
        } finally {
            console.endBar();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
    }

    /** A subcommand that asks the server one thing and prints its JSON answer. */
    abstract static class ServerQuery implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @CommandLine.ParentCommand
        RemoteCommand parent;
        @Mixin
        ServerOptions serverOptions = new ServerOptions();

        abstract JsonNode ask(RemoteClient client);

        @Override
        public Integer call() {
            return print(spec, ask(serverOptions.client(spec, parent.serverOptions)));
        }
    }

    /** A query about one job. */
    abstract static class JobQuery extends ServerQuery {
        @Parameters(paramLabel = "JOB_ID")
        String id;
    }

    /** {@code remote jobs}: the server's jobs, newest first. */
    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "List the server's jobs (JSON).")
    static final class Jobs extends ServerQuery {
        @Override
        JsonNode ask(RemoteClient client) {
            return client.jobs();
        }
    }

    /** {@code remote status ID}. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show one job (JSON).")
    static final class Status extends JobQuery {
        @Override
        JsonNode ask(RemoteClient client) {
            return client.job(id);
        }
    }

    /** {@code remote cancel ID}. */
    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel (and delete) a job.")
    static final class Cancel extends JobQuery {
        @Override
        JsonNode ask(RemoteClient client) {
            return client.cancel(id);
        }
    }

    static int print(CommandSpec spec, JsonNode json) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json.toPrettyString());
        out.flush();
        return ExitCodes.OK;
    }

    /** The exit code of a client failure. */
    static int exitCode(ClientException e) {
        return switch (e.kind()) {
            case REJECTED -> ExitCodes.USAGE;
            case IO -> ExitCodes.IO;
            case AUTH -> ExitCodes.AUTH;
            case JOB_FAILED -> ExitCodes.REMOTE_JOB;
            case UNAVAILABLE -> ExitCodes.UNAVAILABLE;
        };
    }
}
