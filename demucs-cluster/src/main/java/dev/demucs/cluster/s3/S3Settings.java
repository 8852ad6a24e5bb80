package dev.demucs.cluster.s3;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach an S3-compatible store: where the objects go ({@link S3Location}), the endpoint
 * (none: AWS itself), the region, path-style addressing, the credentials and the multipart part
 * size. Immutable; {@link Builder#build()} rejects a bad value naming the setting and the value.
 * <pre>
 * S3Settings s = S3Settings.fromEnvironment(S3Location.parse("s3://demucs/jobs"), System.getenv())
 *         .endpoint(URI.create("http://minio:9000"))   // explicit settings win over the environment
 *         .build();
 * </pre>
 * From the environment ({@link #fromEnvironment}), each only where not set explicitly:
 * <pre>
 * endpoint      AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL          (unset: AWS)
 * region        AWS_REGION, else AWS_DEFAULT_REGION                  (unset: {@value #DEFAULT_REGION})
 * path style    DEMUCS_S3_PATH_STYLE=true|false                      (unset: true when an endpoint is set)
 * credentials   AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN]
 *               (unset: the AWS SDK's default chain: profile file, container, instance role)
 * </pre>
 * Path style ({@code http://host/bucket/key}) is what MinIO and Ceph expect by default; virtual
 * hosts ({@code http://bucket.host/key}) are AWS's default.
 */
public final class S3Settings {
    /** The region when none is set: AWS's first one, and what MinIO answers to by default. */
    public static final String DEFAULT_REGION = "us-east-1";
    /** Default multipart part size: 8 MiB. */
    public static final long DEFAULT_PART_SIZE_BYTES = 8L << 20;
    /** S3's smallest part size (except the last part): 5 MiB. */
    public static final long MIN_PART_SIZE_BYTES = 5L << 20;
    /** Largest part size accepted here: 512 MiB (each part is held in memory while it is sent). */
    public static final long MAX_PART_SIZE_BYTES = 512L << 20;

    private final S3Location location;
    private final URI endpoint;
    private final String region;
    private final boolean pathStyle;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    private final long partSizeBytes;

    private S3Settings(Builder b) {
        this.location = b.location;
        this.endpoint = b.endpoint;
        this.region = b.region == null ? DEFAULT_REGION : b.region;
        this.pathStyle = b.pathStyle == null ? b.endpoint != null : b.pathStyle;
        this.accessKeyId = b.accessKeyId;
        this.secretAccessKey = b.secretAccessKey;
        this.sessionToken = b.sessionToken;
        this.partSizeBytes = b.partSizeBytes;
    }

    /** A builder for objects at {@code location}, nothing else set. */
    public static Builder builder(S3Location location) {
        return new Builder(Objects.requireNonNull(location, "location"));
    }

    /**
     * A builder with the settings found in {@code env} (usually {@code System.getenv()}); see the
     * class doc for the variables. Explicit builder calls made afterwards win.
     */
    public static Builder fromEnvironment(S3Location location, Map<String, String> env) {
        Builder b = builder(location);
        String endpoint = firstSet(env, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
        if (endpoint != null) {
            b.endpoint(parseEndpoint(endpoint, env.containsKey("AWS_ENDPOINT_URL_S3") ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL"));
        }
        String region = firstSet(env, "AWS_REGION", "AWS_DEFAULT_REGION");
        if (region != null) {
            b.region(region);
        }
        String pathStyle = firstSet(env, "DEMUCS_S3_PATH_STYLE");
        if (pathStyle != null) {
            b.pathStyle(parseBoolean(pathStyle, "DEMUCS_S3_PATH_STYLE"));
        }
        String keyId = firstSet(env, "AWS_ACCESS_KEY_ID");
        String secret = firstSet(env, "AWS_SECRET_ACCESS_KEY");
        if ((keyId == null) != (secret == null)) {
            throw new IllegalArgumentException(keyId == null
                    ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both or neither"
                    : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both or neither");
        }
        if (keyId != null) {
            b.credentials(keyId, secret, firstSet(env, "AWS_SESSION_TOKEN"));
        }
        return b;
    }

    /**
     * An endpoint as a user writes it: {@code http(s)://host[:port]}, nothing after the host but
     * an optional '/'. {@code setting} names where it came from in the error message.
     */
    public static URI parseEndpoint(String value, String setting) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        boolean ok = uri != null && uri.getScheme() != null
                && (uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
                && uri.getHost() != null && uri.getUserInfo() == null && uri.getQuery() == null && uri.getFragment() == null
                && (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"));
        if (!ok) {
            throw new IllegalArgumentException(setting + " '" + value.replaceAll("\\p{Cntrl}", "?")
                    + "' is not an S3 endpoint: expected http(s)://host[:port]");
        }
        return URI.create(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority());
    }

    private static boolean parseBoolean(String value, String setting) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(setting + " '" + value + "' must be true or false");
        };
    }

    private static String firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    public S3Location location() {
        return location;
    }

    /** The endpoint, or null for AWS's own (from the region). */
    public URI endpoint() {
        return endpoint;
    }

    public String region() {
        return region;
    }

    public boolean pathStyle() {
        return pathStyle;
    }

    /** True when credentials were given (explicitly or by the environment's variables). */
    public boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    String accessKeyId() {
        return accessKeyId;
    }

    String secretAccessKey() {
        return secretAccessKey;
    }

    /** The session token of temporary credentials, or null. */
    String sessionToken() {
        return sessionToken;
    }

    public long partSizeBytes() {
        return partSizeBytes;
    }

    /** Everything but the secrets, for logs and {@code /status}. */
    @Override
    public String toString() {
        return location + " (endpoint " + (endpoint == null ? "AWS" : endpoint) + ", region " + region
                + (pathStyle ? ", path-style" : "") + ", credentials " + (hasStaticCredentials() ? "static" : "default chain") + ")";
    }

    /** Settings under construction; {@link #build()} checks them. */
    public static final class Builder {
        private final S3Location location;
        private URI endpoint;
        private String region;
        private Boolean pathStyle;
        private String accessKeyId;
        private String secretAccessKey;
        private String sessionToken;
        private long partSizeBytes = DEFAULT_PART_SIZE_BYTES;

        private Builder(S3Location location) {
            this.location = location;
        }

        /** An S3-compatible endpoint ({@code http(s)://host[:port]}); null: AWS. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint == null ? null : parseEndpoint(endpoint.toString(), "endpoint");
            return this;
        }

        /** The signing region (R2: "auto"); null: {@value #DEFAULT_REGION}. */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /** Path-style addressing; null: on when an endpoint is set. */
        public Builder pathStyle(Boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        /** Static credentials; a null key id: the environment's or the SDK's default chain. */
        public Builder credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            this.sessionToken = sessionToken;
            return this;
        }

        /** Multipart part size, {@value #MIN_PART_SIZE_BYTES} to {@value #MAX_PART_SIZE_BYTES} bytes. */
        public Builder partSizeBytes(long partSizeBytes) {
            this.partSizeBytes = partSizeBytes;
            return this;
        }

        public S3Settings build() {
            if (region != null && !region.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("region '" + region.replaceAll("\\p{Cntrl}", "?")
                        + "' must be lowercase letters, digits and '-' (e.g. us-east-1, auto)");
            }
            if ((accessKeyId == null) != (secretAccessKey == null) || "".equals(accessKeyId) || "".equals(secretAccessKey)) {
                throw new IllegalArgumentException("credentials need both an access key id and a secret access key");
            }
            if (partSizeBytes < MIN_PART_SIZE_BYTES || partSizeBytes > MAX_PART_SIZE_BYTES) {
                throw new IllegalArgumentException("partSizeBytes " + partSizeBytes + " is outside "
                        + MIN_PART_SIZE_BYTES + " to " + MAX_PART_SIZE_BYTES);
            }
            return new S3Settings(this);
        }
    }
}
