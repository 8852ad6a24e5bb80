package dev.demucs.cluster.s3;

import dev.demucs.testing.TestS3Server;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory does not grow with the file: a 96 MiB file uploads from a JVM with a 48 MiB heap (a
 * client that read the file, or a part list, into memory could not), and the download is checked
 * by streaming it through a digest.
 */
class S3ObjectStoreMemoryTest {
    private static final int FILE_MIB = 96;
    private static final int HEAP_MIB = 48;

    @TempDir
    Path temp;

    @Test
    void aFileTwiceTheHeapUploadsInASmallHeapAndComesBackIdentical() throws Exception {
        Path file = temp.resolve("big.wav");
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 20];
        Random random = new Random(11);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < FILE_MIB; i++) {
                random.nextBytes(block);
                written.update(block);
                out.write(block);
            }
        }
        try (TestS3Server server = TestS3Server.start(temp.resolve("s3"))) {
            server.createBucket("jobs");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + HEAP_MIB + "m", "-cp", System.getProperty("java.class.path"), SmallHeapUpload.class.getName(),
                    server.endpoint().toString(), TestS3Server.ACCESS_KEY, TestS3Server.SECRET_KEY, "s3://jobs/mem",
                    file.toString(), "j1/big.wav")
                    .redirectErrorStream(true).start();
            String output;
            try (InputStream in = child.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(child.waitFor(300, TimeUnit.SECONDS), "the upload finished");
            assertEquals(0, child.exitValue(), output);
            assertTrue(output.contains("max heap"), output);

            try (S3ObjectStore store = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs/mem").build())) {
                assertEquals((long) FILE_MIB << 20, store.stat("j1/big.wav").orElseThrow().sizeBytes());
                MessageDigest read = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(store.open("j1/big.wav", 0, -1), read)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                assertArrayEquals(written.digest(), read.digest());
            }
        }
    }
}
