package dev.demucs.cluster.s3;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: S3Proxy 4.1 (filesystem backend, buckets are folders of
 * a temp dir) on 127.0.0.1 and a free port, in its own JVM with the class path that module
 * {@code s3-test-server} wrote to its {@code target/} (S3Proxy's Jetty, AWS SDK and Jackson never
 * meet ours). The child stops when its standard input closes, so it cannot outlive this JVM.
 */
final class S3TestServer implements AutoCloseable {
    static final String ACCESS_KEY = "demucs-test";
    static final String SECRET_KEY = "demucs-test-secret-" + UUID.randomUUID();
    static final String REGION = "us-east-1";
    private static final long START_TIMEOUT_SECONDS = 120;

    private final Process process;
    private final URI endpoint;

    private S3TestServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts a server keeping its buckets under {@code dataDir}. */
    static S3TestServer start(Path dataDir) throws Exception {
        Path module = Path.of(System.getProperty("demucs.repoRoot", "..")).resolve("s3-test-server/target");
        Path classpathFile = module.resolve("s3proxy.classpath");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException(classpathFile + " is missing: build with the reactor"
                    + " (mvn -pl demucs-cluster -am verify) so that s3-test-server is built first");
        }
        String classpath = module.resolve("classes") + java.io.File.pathSeparator
                + Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath,
                "dev.demucs.s3testserver.S3ProxyMain", dataDir.toString(), ACCESS_KEY, SECRET_KEY)
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("s3proxy-port=") && !port.isDone()) {
                        port.complete(Integer.parseInt(line.substring("s3proxy-port=".length()).trim()));
                    } else {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(new UncheckedIOException(e));
            }
            port.completeExceptionally(new IllegalStateException("S3Proxy exited before listening: " + lines));
        }, "s3proxy-output");
        reader.setDaemon(true);
        reader.start();
        try {
            int n = port.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new S3TestServer(p, URI.create("http://127.0.0.1:" + n));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    URI endpoint() {
        return endpoint;
    }

    /** Settings for this server with its credentials, path-style. */
    S3Settings.Builder settings(String location) {
        return S3Settings.builder(S3Location.parse(location))
                .endpoint(endpoint)
                .region(REGION)
                .credentials(ACCESS_KEY, SECRET_KEY, null);
    }

    /** A plain SDK client for this server (creating buckets, presigning): the caller closes it. */
    S3Client client() {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    void createBucket(String bucket) {
        try (S3Client c = client()) {
            c.createBucket(b -> b.bucket(bucket));
        }
    }

    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
