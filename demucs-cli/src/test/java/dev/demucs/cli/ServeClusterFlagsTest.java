package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad cluster settings of {@code serve}: one line naming the flag or the store, a non-zero exit, no hang. */
class ServeClusterFlagsTest {

    private static CliFixture.Run serve(Path data, String... more) {
        String[] base = {"serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", data.toString(), "--device", "cpu"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliFixture.run(args);
    }

    @Test
    void aHeartbeatNotShorterThanTheLeaseIsAUsageError(@TempDir Path data) {
        CliFixture.Run r = serve(data, "--lease-seconds", "2", "--heartbeat-seconds", "5");
        assertEquals(ExitCodes.USAGE, r.exitCode(), r.err());
        assertTrue(r.errorLine().contains("--heartbeat-seconds must be shorter than --lease-seconds"), r.err());
    }

    @Test
    void aStoreNoBackendHandlesIsNamed(@TempDir Path data) {
        CliFixture.Run r = serve(data, "--store", "mysql://db.example/jobs");
        assertEquals(ExitCodes.IO, r.exitCode(), r.err());
        assertTrue(r.err().contains("serve: no job store handles 'mysql://db.example/jobs'"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void anUnreachableDatabaseFailsTheStartWithTheReason(@TempDir Path data) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        CliFixture.Run r = serve(data, "--store", "jdbc:postgresql://127.0.0.1:" + closedPort + "/jobs?user=demucs&password=secret");
        assertEquals(ExitCodes.IO, r.exitCode(), r.err());
        assertTrue(r.err().contains("serve: cannot open the job store jdbc:postgresql://127.0.0.1:" + closedPort), r.err());
        assertFalse(r.err().contains("secret"), "the password is never printed: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
