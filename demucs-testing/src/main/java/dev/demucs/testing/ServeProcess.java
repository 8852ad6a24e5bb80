package dev.demucs.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code demucs-separate serve} in a child JVM, on a free loopback port: its output goes
 * to a log file, and its port is read from the "listening on" line. Settings that come from the
 * environment are not inherited from the caller's: only those in {@code env} reach it. Tests
 * run it from their class path ({@link #fromClassPath()}), benchmarks from the runnable jar.
 *
 * <pre>{@code
 * ServeProcess node = ServeProcess.start(ServeProcess.fromClassPath(), List.of("--model", model.toString()), Map.of(), log);
 * String base = node.base();   // http://127.0.0.1:PORT
 * node.kill();                 // SIGKILL; node.stop() for SIGTERM
 * }</pre>
 */
public final class ServeProcess {
    /** The CLI's main class. */
    public static final String MAIN = "dev.demucs.cli.DemucsCli";
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    /** Variables serve reads; the test's own values never leak into the child. */
    private static final List<String> SERVE_ENV = List.of("DEMUCS_API_TOKEN", "DEMUCS_STORE", "DEMUCS_FILES", "DEMUCS_NODE_ID",
            "DEMUCS_STORE_USER", "DEMUCS_STORE_PASSWORD");

    /** The child process. */
    public final Process process;
    /** Where its output goes. */
    public final Path log;
    /** The bound port, once the server printed it; failed when the process ended first. */
    public final CompletableFuture<Integer> port = new CompletableFuture<>();

    private ServeProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * The JVM arguments that run the CLI from the caller's class path (the test class path, 80+
     * entries on the command line; see {@code dev.demucs.core.engine.SharedEnvironment} for why
     * a long command line is safe).
     */
    public static List<String> fromClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of("-XX:TieredStopAtLevel=1", "-cp", cp, MAIN);
    }

    /** The JVM arguments that run the CLI's runnable jar ({@code demucs-cli/target/demucs-separate.jar}). */
    public static List<String> fromJar(Path jar) {
        return List.of("-jar", jar.toAbsolutePath().toString());
    }

    /**
     * Starts {@code java -Xmx512m JVM-ARGS serve --host 127.0.0.1 --port 0 ARGS}.
     *
     * @param jvm {@link #fromClassPath()} or {@link #fromJar}
     * @param env the serve settings of the environment (token, store ...)
     */
    public static ServeProcess start(List<String> jvm, List<String> args, Map<String, String> env, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("serve", "--host", "127.0.0.1", "--port", "0"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        SERVE_ENV.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        ServeProcess s = new ServeProcess(pb.start(), log);
        Thread reader = new Thread(s::readOutput, "serve-output-" + log.getFileName());
        reader.setDaemon(true);
        reader.start();
        return s;
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = Files.newOutputStream(log)) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
        port.completeExceptionally(new IOException("serve ended; see " + log));
    }

    /** {@code http://127.0.0.1:PORT}, waiting up to two minutes for the server to listen. */
    public String base() throws Exception {
        return "http://127.0.0.1:" + port.get(2, TimeUnit.MINUTES);
    }

    /** {@code kill -9}: the process dies at once, without its shutdown hook. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the server's orderly shutdown), then {@link #kill()} if it is still alive after a minute. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
