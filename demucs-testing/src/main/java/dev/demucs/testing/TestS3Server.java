package dev.demucs.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server for tests: S3Proxy 4.1 ({@code org.gaul:s3proxy}, filesystem
 * backend: a bucket is a folder of {@code dataDir}) on {@code 127.0.0.1} and a free port, in a
 * JVM of its own with the class path that module {@code s3-test-server} wrote to its
 * {@code target/} (S3Proxy's Jetty, AWS SDK and Jackson never meet the product's). The child
 * stops when its standard input closes, so it cannot outlive the JVM that started it.
 * <pre>{@code
 * try (TestS3Server s3 = TestS3Server.start(tempDir)) {
 *     s3.createBucket("jobs");
 *     URI endpoint = s3.endpoint();   // http://127.0.0.1:PORT, path-style, region us-east-1
 *     // credentials: TestS3Server.ACCESS_KEY, TestS3Server.SECRET_KEY
 * }
 * }</pre>
 * A module whose tests use it declares {@code demucs-s3-test-server} as a test dependency of
 * type {@code pom} with every transitive dependency excluded: the reactor then builds it first,
 * and nothing of S3Proxy reaches the module's class path.
 */
public final class TestS3Server implements AutoCloseable {
    /** The access key the server accepts. */
    public static final String ACCESS_KEY = "demucs-test";
    /** The secret key the server accepts (new for each test JVM). */
    public static final String SECRET_KEY = "demucs-test-secret-" + UUID.randomUUID();
    /** The region clients sign for. */
    public static final String REGION = "us-east-1";
    private static final String PORT_LINE = "s3proxy-port=";
    private static final long START_TIMEOUT_SECONDS = 120;

    private final Process process;
    private final Path dataDir;
    private final URI endpoint;

    private TestS3Server(Process process, Path dataDir, URI endpoint) {
        this.process = process;
        this.dataDir = dataDir;
        this.endpoint = endpoint;
    }

    /**
     * Starts a server keeping its buckets under {@code dataDir} (created when missing).
     *
     * @throws IllegalStateException when {@code s3-test-server} has not been built, or the server
     *                               did not start (with its output)
     */
    public static TestS3Server start(Path dataDir) throws IOException, InterruptedException {
        Path module = Path.of(System.getProperty("demucs.repoRoot", "..")).resolve("s3-test-server/target");
        Path classpathFile = module.resolve("s3proxy.classpath");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: build with the reactor (mvn -pl MODULE -am ...)"
                    + " so that s3-test-server is built first");
        }
        Files.createDirectories(dataDir);
        String classpath = module.resolve("classes") + File.pathSeparator
                + Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", classpath, "dev.demucs.s3testserver.S3ProxyMain", dataDir.toString(), ACCESS_KEY, SECRET_KEY)
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        List<String> output = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith(PORT_LINE) && !port.isDone()) {
                        port.complete(Integer.parseInt(line.substring(PORT_LINE.length()).trim()));
                    } else {
                        synchronized (output) {
                            output.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended: reported below
            }
            synchronized (output) {
                port.completeExceptionally(new IllegalStateException("S3Proxy exited before listening: " + output));
            }
        }, "s3proxy-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new TestS3Server(p, dataDir, URI.create("http://127.0.0.1:" + port.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("S3Proxy did not start: " + e.getMessage(), e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return endpoint;
    }

    /** Creates an empty bucket (the filesystem backend's bucket is a folder). */
    public void createBucket(String bucket) throws IOException {
        Files.createDirectories(dataDir.resolve(bucket));
    }

    /** The folder holding a bucket's objects, one file per key (for checks from outside S3). */
    public Path bucketDir(String bucket) {
        return dataDir.resolve(bucket);
    }

    /** Stops the server (closes its input; killed after 30 s). Idempotent. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
