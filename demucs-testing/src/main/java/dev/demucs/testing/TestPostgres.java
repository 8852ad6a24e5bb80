package dev.demucs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: Debian's {@code initdb} and {@code pg_ctl} (package
 * {@code postgresql}) in a temporary folder, on a free loopback port, listening on
 * {@code 127.0.0.1} only, with trust authentication and without fsync. PostgreSQL refuses to
 * run as root: a root JVM runs it as the {@code postgres} user ({@code runuser}).
 *
 * <pre>{@code
 * assumeTrue(TestPostgres.available(), TestPostgres.WHY_SKIPPED);
 * try (TestPostgres pg = TestPostgres.start()) {
 *     String url = pg.jdbcUrl();   // jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres
 *     pg.stop(); pg.restart();     // a database restart, same port and data
 * }
 * }</pre>
 */
public final class TestPostgres implements AutoCloseable {
    /** Why tests that need PostgreSQL are skipped when {@link #available()} is false. */
    public static final String WHY_SKIPPED = "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
            + "or $PG_BIN; install Debian's postgresql package (.ci/run does) to run this test";

    private final Path bin;
    private final Path dir;
    private final int port;
    private boolean running;

    private TestPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The folder holding {@code initdb} and {@code pg_ctl}: {@code $PG_BIN}, else the newest Debian install. */
    public static Optional<Path> binDir() {
        String env = System.getenv("PG_BIN");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(TestPostgres::hasBinaries);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(TestPostgres::hasBinaries)
                    .max(Comparator.comparing(p -> p.getParent().getFileName().toString(), TestPostgres::compareVersions));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int compareVersions(String a, String b) {
        try {
            return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private static boolean hasBinaries(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"));
    }

    /** True when the server binaries are installed (and, as root, the {@code postgres} user can run them). */
    public static boolean available() {
        return binDir().isPresent() && (!isRoot() || Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Creates a cluster in a new temporary folder and starts it (about 2 s).
     *
     * @throws IllegalStateException when the binaries are missing
     * @throws IOException           naming the step that failed, with its output
     */
    public static TestPostgres start() throws IOException {
        Path bin = binDir().orElseThrow(() -> new IllegalStateException(WHY_SKIPPED));
        Path dir = Files.createTempDirectory("demucs-pg-");
        if (isRoot()) {
            run(List.of("chown", "postgres:postgres", dir.toString()), dir, "chown");
        }
        TestPostgres pg = new TestPostgres(bin, dir, freePort());
        try {
            pg.exec(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "postgres",
                    "-E", "UTF8", "--locale=C", "--no-sync"), "initdb");
            pg.restart();
        } catch (IOException | RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    /** The JDBC URL of the {@code postgres} database as the {@code postgres} user. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    /**
     * Creates an empty database ({@code createdb}), e.g. one per test.
     *
     * @param name letters, digits and '_'
     * @return its JDBC URL, as {@link #jdbcUrl()}
     */
    public String createDatabase(String name) throws IOException {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name must be lower-case letters, digits and '_', got '" + name + "'");
        }
        exec(List.of(bin.resolve("createdb").toString(), "-h", dir.toString(), "-p", String.valueOf(port), "-U", "postgres", name),
                "createdb " + name);
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=postgres";
    }

    /** The port it listens on (the same after a restart). */
    public int port() {
        return port;
    }

    /** Stops the server now ({@code pg_ctl stop -m fast}: clients are disconnected). */
    public synchronized void stop() throws IOException {
        if (running) {
            exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), "pg_ctl stop");
            running = false;
        }
    }

    /** Starts the server again on the same port with the same data; waits until it accepts connections. */
    public synchronized void restart() throws IOException {
        if (!running) {
            exec(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                    "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                    "-w", "-t", "60", "start"), "pg_ctl start");
            running = true;
        }
    }

    /** Stops the server and removes its folder. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (IOException e) {
            // the folder goes anyway; a left-over server dies with its data
        }
        try {
            run(List.of("rm", "-rf", dir.toString()), Path.of("/"), "rm");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void exec(List<String> command, String what) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (isRoot()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        run(cmd, dir, what);
    }

    private static void run(List<String> cmd, Path dir, String what) throws IOException {
        Path out = Files.createTempFile("demucs-pg-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(what + " failed (exit " + p.exitValue() + "): " + Files.readString(out, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + " interrupted", e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
