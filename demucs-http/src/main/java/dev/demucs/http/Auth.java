package dev.demucs.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who may call the API. Three modes, chosen once at start:
 * <ul>
 *   <li>a configured token: required from every caller;</li>
 *   <li>no configured token, bound to a non-loopback address, {@code noAuth} off: a generated
 *       token (kept in the data directory, mode 0600, reused at every start) required from
 *       callers that are not on the loopback interface, so the machine's own {@code curl
 *       http://localhost:8185/...} keeps working;</li>
 *   <li>otherwise (loopback bind, or {@code noAuth}): open.</li>
 * </ul>
 * The caller's address is the socket's peer; forwarding headers are never trusted.
 */
final class Auth {
    private static final System.Logger LOG = System.getLogger(Auth.class.getName());

    private final byte[] token;
    private final boolean loopbackExempt;
    private final Predicate<InetAddress> local;
    private final Path tokenFile;

    private Auth(byte[] token, boolean loopbackExempt, Predicate<InetAddress> local, Path tokenFile) {
        this.token = token;
        this.loopbackExempt = loopbackExempt;
        this.local = local;
        this.tokenFile = tokenFile;
    }

    /**
     * The policy of a configuration; creates or reads the token file when the server makes its own.
     *
     * @param local which callers count as the machine itself (the loopback test, or a test's stand-in)
     * @throws UncheckedIOException naming the file when the token cannot be created or read
     */
    static Auth of(ServerConfig config, Predicate<InetAddress> local) {
        if (config.bearerToken().isPresent()) {
            return new Auth(config.bearerToken().get().getBytes(StandardCharsets.UTF_8), false, local, null);
        }
        if (config.noAuth() || loopbackHost(config.host())) {
            return new Auth(null, false, local, null);
        }
        Path file = config.dataDir().toAbsolutePath().normalize().resolve(ServerConfig.TOKEN_FILE);
        return new Auth(loadOrCreate(file).getBytes(StandardCharsets.UTF_8), true, local, file);
    }

    /** True when the bind address is a loopback address (then only the machine itself can connect). */
    static boolean loopbackHost(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (t.isEmpty()) {
                    throw new IOException("the file is empty; delete it to get a new token");
                }
                return t;
            }
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            String t = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, t + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(tmp);
                return loadOrCreate(file);
            }
            LOG.log(System.Logger.Level.INFO, "created an API token for remote callers in " + file);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether this policy asks for a token from a caller at this address. */
    boolean requiresToken(InetAddress remote) {
        if (token == null) {
            return false;
        }
        return !(loopbackExempt && remote != null && local.test(remote));
    }

    /**
     * Lets the request through or refuses it.
     *
     * @throws ApiException 401 with {@code WWW-Authenticate} when a needed token is missing or wrong
     */
    void check(InetAddress remote, String authorization) {
        if (!requiresToken(remote)) {
            return;
        }
        byte[] given = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            throw new ApiException(401, authorization == null ? "authentication required: send 'Authorization: Bearer <token>'"
                    : "invalid bearer token", Map.of("WWW-Authenticate", "Bearer realm=\"demucs\""));
        }
    }

    /** The token the server made for remote callers, when it made one. */
    Optional<String> generatedToken() {
        return tokenFile == null ? Optional.empty() : Optional.of(new String(token, StandardCharsets.UTF_8));
    }

    /** Where the generated token is kept, when the server made one. */
    Optional<Path> tokenFile() {
        return Optional.ofNullable(tokenFile);
    }

    /** One line for the start-up message. */
    String describe() {
        if (token == null) {
            return "no authentication";
        }
        return loopbackExempt ? "bearer token required from remote callers (kept in " + tokenFile + ")" : "bearer token required";
    }
}
