package dev.demucs.cluster.s3;

import dev.demucs.testing.TestS3Server;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** {@link S3ObjectStore} against a real S3-compatible server (S3Proxy in its own JVM, loopback). */
class S3ObjectStoreTest {
    private static final int PART = (int) S3Settings.MIN_PART_SIZE_BYTES;

    @TempDir
    static Path temp;
    private static TestS3Server server;
    private static S3ObjectStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestS3Server.start(temp.resolve("s3"));
        server.createBucket("jobs");
        server.createBucket("other");
        store = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs/cluster-a").partSizeBytes(PART).build());
        store.checkAccess();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (store != null) {
            store.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Path file(String name, byte[] content) throws IOException {
        Path f = temp.resolve(name);
        Files.write(f, content);
        return f;
    }

    private static byte[] read(String name, long offset, long length) throws IOException {
        try (InputStream in = store.open(name, offset, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    void smallFileIsStoredAndReadBackWholeAndByRange() throws IOException {
        byte[] content = random(100_000, 1);
        store.upload(file("small.bin", content), "small/input.bin");

        assertArrayEquals(content, read("small/input.bin", 0, -1));
        assertArrayEquals(Arrays.copyOfRange(content, 1000, 1500), read("small/input.bin", 1000, 500));
        assertArrayEquals(Arrays.copyOfRange(content, 99_990, 100_000), read("small/input.bin", 99_990, -1));
        assertEquals(100_000, store.stat("small/input.bin").orElseThrow().sizeBytes());
    }

    @Test
    void fileLargerThanOnePartGoesUpInPartsAndComesBackIdentical() throws IOException {
        // 2 full parts and a short third: the part boundaries are where a wrong offset would show.
        byte[] content = random(2 * PART + 12_345, 2);
        store.upload(file("large.bin", content), "large/stem.wav");

        assertEquals(content.length, store.stat("large/stem.wav").orElseThrow().sizeBytes());
        try (S3Client c = S3Testing.client(server)) {
            String eTag = c.headObject(h -> h.bucket("jobs").key("cluster-a/large/stem.wav")).eTag();
            assertTrue(eTag.matches("\"?[0-9a-f]{32}-3\"?"), "S3 marks a 3-part upload's ETag with -3: " + eTag);
        }
        assertArrayEquals(content, read("large/stem.wav", 0, -1));
        assertArrayEquals(Arrays.copyOfRange(content, PART - 10, PART + 10), read("large/stem.wav", PART - 10, 20));

        Path back = temp.resolve("downloaded/stem.wav");
        store.download("large/stem.wav", back);
        assertArrayEquals(content, Files.readAllBytes(back));
        try (var left = Files.list(back.getParent())) {
            assertEquals(List.of(back), left.toList(), "no temporary file is left beside the download");
        }
    }

    @Test
    void uploadReplacesAnEarlierObjectOfTheSameName() throws IOException {
        store.upload(file("first.bin", random(3000, 3)), "replace/x.bin");
        byte[] second = random(17, 4);
        store.upload(file("second.bin", second), "replace/x.bin");
        assertArrayEquals(second, read("replace/x.bin", 0, -1));
    }

    @Test
    void listAndDeleteByPrefixKeepToTheirFolder() throws IOException {
        Path f = file("tiny.bin", random(10, 5));
        for (String name : List.of("j1/input.mp3", "j1/segments/segment_000.m4a", "j1/demucs_results/segment_000_vocals.wav",
                "j10/input.mp3", "j2/input.mp3")) {
            store.upload(f, name);
        }

        assertEquals(List.of("j1/demucs_results/segment_000_vocals.wav", "j1/input.mp3", "j1/segments/segment_000.m4a"),
                store.list("j1/").stream().map(ObjectInfo::name).toList());
        assertEquals(3, store.deletePrefix("j1/"));
        assertEquals(List.of(), store.list("j1/"));
        assertEquals(List.of("j10/input.mp3"), store.list("j10/").stream().map(ObjectInfo::name).toList(),
                "deleting j1/ leaves j10/ alone");
        assertTrue(store.stat("j2/input.mp3").isPresent());
        assertEquals(0, store.deletePrefix("j1/"), "deleting an empty folder again is harmless");
        assertThrows(IllegalArgumentException.class, () -> store.deletePrefix("j2"), "a prefix must end in '/'");
        assertThrows(IllegalArgumentException.class, () -> store.deletePrefix("/"));
    }

    @Test
    void listingAndDeletingGoOnPastOnePage() throws IOException {
        Path f = file("one.bin", new byte[] {1});
        try (S3ObjectStore paged = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs/cluster-a").build(), 7)) {
            int count = 20; // 3 list pages and 3 DeleteObjects requests of at most 7 keys
            for (int i = 0; i < count; i++) {
                paged.upload(f, "many/" + i);
            }
            assertEquals(count, paged.list("many/").size());
            assertEquals(count, store.list("many/").size(), "the same objects in one page");
            assertEquals(count, paged.deletePrefix("many/"));
            assertEquals(List.of(), store.list("many/"));
        }
    }

    @Test
    void storesOnOtherPrefixesOrBucketsDoNotSeeEachOther() throws IOException {
        try (S3ObjectStore b = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs/cluster-b").build());
             S3ObjectStore other = S3ObjectStore.create(S3Testing.settings(server, "s3://other").build());
             S3ObjectStore sameAsA = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs/cluster-a/").build())) {
            store.upload(file("seen.bin", random(64, 6)), "shared/seen.bin");
            assertEquals(List.of(), b.list("shared/"));
            assertEquals(List.of(), other.list("shared/"));
            assertArrayEquals(Files.readAllBytes(temp.resolve("seen.bin")), sameAsAIsTheSameStore(sameAsA));
        }
    }

    private static byte[] sameAsAIsTheSameStore(S3ObjectStore sameAsA) throws IOException {
        try (InputStream in = sameAsA.open("shared/seen.bin", 0, -1)) {
            return in.readAllBytes();
        }
    }

    @Test
    void smallObjectsAreWrittenReadAndDeletedFromMemory() throws IOException {
        byte[] log = "created\nstarted\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        store.put("mem/job.log", log);
        assertArrayEquals(log, store.read("mem/job.log", 1024).orElseThrow());
        IOException tooBig = assertThrows(IOException.class, () -> store.read("mem/job.log", 4));
        assertEquals("s3://jobs/cluster-a/mem/job.log is 16 bytes, more than the 4 expected", tooBig.getMessage());
        store.put("mem/empty", new byte[0]);
        assertArrayEquals(new byte[0], store.read("mem/empty", 10).orElseThrow());

        store.delete("mem/job.log");
        assertTrue(store.read("mem/job.log", 1024).isEmpty());
        store.delete("mem/job.log"); // again: not an error
        assertEquals(List.of("mem/empty"), store.list("mem/").stream().map(ObjectInfo::name).toList());
    }

    @Test
    void missingObjectsAreNoSuchFileNamingTheirAddress() throws IOException {
        assertTrue(store.stat("absent/x").isEmpty());
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> store.open("absent/x", 0, -1));
        assertEquals("s3://jobs/cluster-a/absent/x", e.getMessage());
        assertThrows(NoSuchFileException.class, () -> store.download("absent/x", temp.resolve("never")));
        assertFalse(Files.exists(temp.resolve("never")));
    }

    @Test
    void wrongSecretIsRefusedWithOneLine() {
        try (S3ObjectStore wrong = S3ObjectStore.create(S3Settings.builder(S3Location.parse("s3://jobs"))
                .endpoint(server.endpoint()).credentials(TestS3Server.ACCESS_KEY, "not-the-secret", null).build())) {
            IOException e = assertThrows(IOException.class, wrong::checkAccess);
            assertTrue(e.getMessage().startsWith("s3://jobs/: could not reach the bucket of it: HTTP 403"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void missingBucketIsNamedAtStartUp() {
        try (S3ObjectStore absent = S3ObjectStore.create(S3Testing.settings(server, "s3://no-such-bucket/x").build())) {
            IOException e = assertThrows(IOException.class, absent::checkAccess);
            assertEquals("s3://no-such-bucket/x/: bucket 'no-such-bucket' does not exist at " + server.endpoint(), e.getMessage());
        }
    }

    @Test
    void unreachableEndpointIsAnIoErrorNamingTheObject() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (S3ObjectStore nowhere = S3ObjectStore.create(S3Testing.settings(server, "s3://jobs")
                .endpoint(java.net.URI.create("http://127.0.0.1:" + closedPort)).build())) {
            IOException e = assertThrows(IOException.class, () -> nowhere.stat("x"));
            assertTrue(e.getMessage().startsWith("s3://jobs/x: could not look up it:"), e.getMessage());
        }
    }

    /**
     * A presigned GET (what a 302 from GET /result would hand out) works against this server:
     * the service streams results through instead (README, "Cluster mode"), and this shows the
     * alternative is open.
     */
    @Test
    void presignedUrlServesTheObjectWithoutCredentials() throws Exception {
        byte[] content = random(4096, 7);
        store.upload(file("presign.bin", content), "presign/instrumental.mp3");
        try (S3Presigner presigner = S3Presigner.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(TestS3Server.REGION))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(
                        S3Testing.credentials()))
                .build()) {
            var url = presigner.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(5))
                    .getObjectRequest(g -> g.bucket("jobs").key("cluster-a/presign/instrumental.mp3"))).url();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<byte[]> ok = http.send(HttpRequest.newBuilder(url.toURI()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, ok.statusCode());
            assertArrayEquals(content, ok.body());
            String tampered = url.toString().replace("instrumental.mp3", "other.mp3");
            assertEquals(403, http.send(HttpRequest.newBuilder(java.net.URI.create(tampered)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), "the signature covers the key");
        }
    }
}
