package dev.demucs.cluster.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Files on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Cloudflare R2, ...), named
 * relative to one {@link S3Location}: uploads from files, streamed downloads (whole or a byte
 * range), listing and deleting by prefix.
 * <pre>
 * try (S3ObjectStore store = S3ObjectStore.create(S3Settings.fromEnvironment(S3Location.parse("s3://demucs/jobs"), System.getenv()).build())) {
 *     store.upload(Path.of("out/instrumental.mp3"), "j1/instrumental.mp3");
 *     try (InputStream in = store.open("j1/instrumental.mp3", 0, -1)) { ... }
 *     store.deletePrefix("j1/");
 * }
 * </pre>
 * Uploads and downloads stream (the SDK's {@code url-connection-client} sends a body of known
 * length in fixed-length streaming mode): memory does not grow with a file's size. A file larger
 * than one part ({@link S3Settings#partSizeBytes()}, 8 MiB by default) goes up as a multipart
 * upload, one part at a time through one part-sized buffer, so a failed request repeats one part,
 * not the file, and files past a single PUT's 5 GiB limit work. Checksums are sent only where S3
 * requires them, and then as Content-MD5, which every S3-compatible store understands (the SDK's
 * newer default, a trailing CRC32 in aws-chunked encoding, is not accepted by all).
 *
 * <p>Errors are {@link IOException}s whose one-line message starts with the object's
 * {@code s3://} address; a missing object is a {@link NoSuchFileException}. Thread-safe; create
 * one per process and close it at the end.
 */
public final class S3ObjectStore implements AutoCloseable {
    /** S3's most keys per list page and per DeleteObjects request. */
    private static final int MAX_PAGE = 1000;

    private final S3Settings settings;
    private final S3Location location;
    private final S3Client s3;
    private final int pageSize;

    private S3ObjectStore(S3Settings settings, S3Client s3, int pageSize) {
        this.settings = settings;
        this.location = settings.location();
        this.s3 = s3;
        this.pageSize = pageSize;
    }

    /** A store with its own client for {@code settings}; nothing is sent until the first call. */
    public static S3ObjectStore create(S3Settings settings) {
        return create(settings, MAX_PAGE);
    }

    /** As {@link #create(S3Settings)}, listing and deleting {@code pageSize} keys per request. */
    static S3ObjectStore create(S3Settings settings, int pageSize) {
        S3ClientBuilder b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create());
        if (settings.endpoint() != null) {
            b.endpointOverride(settings.endpoint());
        }
        return new S3ObjectStore(settings, b.build(), pageSize);
    }

    private static AwsCredentialsProvider credentials(S3Settings s) {
        if (!s.hasStaticCredentials()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(s.sessionToken() == null
                ? AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey())
                : AwsSessionCredentials.create(s.accessKeyId(), s.secretAccessKey(), s.sessionToken()));
    }

    public S3Settings settings() {
        return settings;
    }

    /** The {@code s3://bucket/key} address of a name, for messages. */
    public String address(String name) {
        return location + name;
    }

    /**
     * Fails with a one-line {@link IOException} unless the bucket can be reached with these
     * settings (wrong endpoint, missing bucket, refused credentials): for start-up.
     */
    public void checkAccess() throws IOException {
        try {
            call("reach the bucket of", "", () -> s3.headBucket(b -> b.bucket(location.bucket())));
        } catch (NoSuchFileException e) {
            throw new IOException(location + ": bucket '" + location.bucket() + "' does not exist"
                    + (settings.endpoint() == null ? "" : " at " + settings.endpoint()), e);
        }
    }

    /**
     * Stores {@code file} as {@code name}, replacing what was there: a single PUT up to one part's
     * size, a multipart upload (aborted on failure) above it. The object appears whole or not at all.
     */
    public void upload(Path file, String name) throws IOException {
        String key = location.key(name);
        long size = Files.size(file);
        if (size <= settings.partSizeBytes()) {
            call("upload", name, () -> s3.putObject(b -> b.bucket(location.bucket()).key(key).contentLength(size),
                    RequestBody.fromFile(file)));
            return;
        }
        String uploadId = call("start the upload of", name,
                () -> s3.createMultipartUpload(b -> b.bucket(location.bucket()).key(key)).uploadId());
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] part = new byte[(int) settings.partSizeBytes()];
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += part.length) {
                int length = (int) Math.min(part.length, size - offset);
                readFully(in, ByteBuffer.wrap(part, 0, length), offset, file);
                int number = parts.size() + 1;
                String eTag = call("upload part " + number + " of", name,
                        () -> s3.uploadPart(b -> b.bucket(location.bucket()).key(key).uploadId(uploadId)
                                        .partNumber(number).contentLength((long) length),
                                RequestBody.fromContentProvider(() -> new ByteArrayInputStream(part, 0, length),
                                        length, "application/octet-stream")).eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
            }
            call("complete the upload of", name, () -> s3.completeMultipartUpload(b -> b.bucket(location.bucket())
                    .key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RuntimeException e) {
            try {
                call("abort the upload of", name, () -> s3.abortMultipartUpload(b -> b.bucket(location.bucket())
                        .key(key).uploadId(uploadId)));
            } catch (IOException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }

    private static void readFully(FileChannel in, ByteBuffer into, long offset, Path file) throws IOException {
        long at = offset;
        while (into.hasRemaining()) {
            int n = in.read(into, at);
            if (n < 0) {
                throw new IOException(file + " became shorter while it was uploaded");
            }
            at += n;
        }
    }

    /** Stores a small object (a log, a progress file, a marker) from memory, replacing what was there. */
    public void put(String name, byte[] content) throws IOException {
        String key = location.key(name);
        call("write", name, () -> s3.putObject(b -> b.bucket(location.bucket()).key(key).contentLength((long) content.length),
                RequestBody.fromBytes(content)));
    }

    /**
     * A small object's bytes, or empty when there is none by that name.
     *
     * @throws IOException also when it is larger than {@code maxBytes} (nothing is read then)
     */
    public Optional<byte[]> read(String name, int maxBytes) throws IOException {
        Optional<ObjectInfo> info = stat(name);
        if (info.isEmpty()) {
            return Optional.empty();
        }
        if (info.get().sizeBytes() > maxBytes) {
            throw new IOException(address(name) + " is " + info.get().sizeBytes() + " bytes, more than the " + maxBytes + " expected");
        }
        try (InputStream in = open(name, 0, -1)) {
            return Optional.of(in.readNBytes(maxBytes));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // deleted between the two requests
        }
    }

    /** Deletes one object; deleting one that is not there is no error (S3's own rule). */
    public void delete(String name) throws IOException {
        String key = location.key(name);
        call("delete", name, () -> s3.deleteObject(b -> b.bucket(location.bucket()).key(key)));
    }

    /** The object's size and time, or empty when there is none by that name. */
    public Optional<ObjectInfo> stat(String name) throws IOException {
        String key = location.key(name);
        try {
            HeadObjectResponse h = call("look up", name, () -> s3.headObject(b -> b.bucket(location.bucket()).key(key)));
            return Optional.of(new ObjectInfo(name, h.contentLength(), h.lastModified()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Streams {@code length} bytes of the object from {@code offset} ({@code length < 0}: to its
     * end). The caller closes the stream; bytes come as the server sends them, never buffered whole.
     */
    public InputStream open(String name, long offset, long length) throws IOException {
        if (offset < 0 || length == 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length + ": nothing to read");
        }
        String key = location.key(name);
        String range = offset == 0 && length < 0 ? null
                : "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1));
        return call("read", name, () -> s3.getObject(b -> b.bucket(location.bucket()).key(key).range(range)));
    }

    /**
     * Copies the object to {@code target} through a temporary file beside it, moved into place
     * when whole: {@code target} is never seen half-written.
     */
    public void download(String name, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            try (InputStream in = open(name, 0, -1); OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            } catch (SdkException e) {
                throw new IOException(address(name) + ": reading failed: " + e.getMessage(), e);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Every object whose name starts with {@code namePrefix} ("" for all), in key order. */
    public List<ObjectInfo> list(String namePrefix) throws IOException {
        List<ObjectInfo> out = new ArrayList<>();
        for (S3Object o : listRaw(namePrefix)) {
            out.add(new ObjectInfo(o.key().substring(location.prefix().length()), o.size(), o.lastModified()));
        }
        return out;
    }

    /**
     * Deletes every object whose name starts with {@code namePrefix}, which must end in '/' (a
     * "folder": deleting {@code "j1/"} never touches {@code "j10/..."}). Returns how many went.
     */
    public int deletePrefix(String namePrefix) throws IOException {
        if (!namePrefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix '" + namePrefix + "' to delete must end with '/'");
        }
        location.key(namePrefix.substring(0, namePrefix.length() - 1));
        List<S3Object> objects = listRaw(namePrefix);
        for (int from = 0; from < objects.size(); from += pageSize) {
            List<ObjectIdentifier> batch = objects.subList(from, Math.min(objects.size(), from + pageSize)).stream()
                    .map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList();
            DeleteObjectsResponse r = call("delete", namePrefix, () -> s3.deleteObjects(b -> b.bucket(location.bucket())
                    .delete(d -> d.objects(batch).quiet(true))));
            if (r.hasErrors() && !r.errors().isEmpty()) {
                var first = r.errors().get(0);
                throw new IOException(location.bucket() + "/" + first.key() + ": delete failed: " + first.code() + " "
                        + first.message() + (r.errors().size() > 1 ? " (and " + (r.errors().size() - 1) + " more)" : ""));
            }
        }
        return objects.size();
    }

    private List<S3Object> listRaw(String namePrefix) throws IOException {
        String keyPrefix = location.prefix() + namePrefix;
        if (!namePrefix.isEmpty()) {
            location.key(namePrefix.endsWith("/") ? namePrefix.substring(0, namePrefix.length() - 1) : namePrefix);
        }
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(location.bucket()).prefix(keyPrefix)
                .maxKeys(pageSize).build();
        List<S3Object> out = new ArrayList<>();
        call("list", namePrefix, () -> {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
                out.addAll(page.contents());
            }
            return null;
        });
        return out;
    }

    /** Closes the client; further calls fail. Closing twice is harmless. */
    @Override
    public void close() {
        s3.close();
    }

    private interface S3Call<T> {
        T run();
    }

    /** Runs one request; the SDK's exceptions become one-line IOExceptions naming the object. */
    private <T> T call(String what, String name, S3Call<T> request) throws IOException {
        try {
            return request.run();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(address(name));
            }
            throw new IOException(address(name) + ": could not " + what + " it: HTTP " + e.statusCode()
                    + (errorCode(e) == null ? "" : " " + errorCode(e)) + describe(e), e);
        } catch (SdkException e) {
            throw new IOException(address(name) + ": could not " + what + " it: " + e.getMessage(), e);
        }
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static String describe(S3Exception e) {
        String m = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return m == null || m.isBlank() ? "" : " (" + m.replaceAll("\\s+", " ").trim() + ")";
    }
}
