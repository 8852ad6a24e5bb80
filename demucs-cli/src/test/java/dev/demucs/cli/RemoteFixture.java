package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Helpers of the remote and runpod tests: child processes of the CLI, comparing result trees. */
final class RemoteFixture {

    private RemoteFixture() {
    }

    /** Starts {@code demucs-separate ARGS} as a child JVM with the test class path. */
    static Process startCli(Path log, java.util.Map<String, String> env, List<String> args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", cp, DemucsCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Every regular file under {@code dir}, relative, sorted. */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    /** Asserts that every file of the template layout in {@code expected} is in {@code actual} with the same bytes. */
    static void assertSameResults(Path expected, Path actual) throws IOException {
        List<String> want = files(expected).stream().filter(RemoteFixture::isResult).toList();
        List<String> got = files(actual).stream().filter(RemoteFixture::isResult).toList();
        assertEquals(want, got, "result files");
        for (String f : want) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f);
        }
    }

    static boolean isResult(String f) {
        return f.equals("instrumental.mp3") || f.startsWith("segments/") || f.startsWith("demucs_results/");
    }
}
