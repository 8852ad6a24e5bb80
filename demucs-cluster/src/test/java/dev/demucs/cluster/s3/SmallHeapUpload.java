package dev.demucs.cluster.s3;

import dev.demucs.testing.TestS3Server;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code SmallHeapUpload ENDPOINT ACCESS_KEY SECRET_KEY LOCATION FILE NAME}: uploads one file with
 * {@link S3ObjectStore} and exits 0; run by {@link S3ObjectStoreMemoryTest} in a JVM whose heap is
 * smaller than the file.
 */
public final class SmallHeapUpload {
    private SmallHeapUpload() {
    }

    public static void main(String[] args) throws Exception {
        S3Settings settings = S3Settings.builder(S3Location.parse(args[3]))
                .endpoint(URI.create(args[0]))
                .region(TestS3Server.REGION)
                .credentials(args[1], args[2], null)
                .build();
        try (S3ObjectStore store = S3ObjectStore.create(settings)) {
            store.upload(Path.of(args[4]), args[5]);
        }
        System.out.println("max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    }
}
