package dev.demucs.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web page: classpath resources under {@code dev/demucs/http/web/}, served at {@code /}
 * ({@code index.html}) and {@code /web/NAME}, with their content type, an {@code ETag} and
 * {@code If-None-Match} (304). {@code index.html} is revalidated on every load
 * ({@code no-cache}) so a new build shows at once; the other files may be cached for an hour.
 * No token is needed for these files: the page sends the token on its API calls.
 */
final class StaticFiles {
    static final String PREFIX = "/web/";
    private static final String ROOT = "web/";
    /** The page loads nothing from elsewhere and may not be framed. */
    private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    /** Files below {@code web/}: plain segments, no dot-segments, nothing hidden, an extension. */
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_-]*/){0,3}[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)+");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("map", "application/json; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webp", "image/webp"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /** A resource read once: its bytes and strong ETag. */
    private record Resource(byte[] bytes, String etag) {
    }

    private final Map<String, Optional<Resource>> cache = new ConcurrentHashMap<>();

    /** True for {@code /} and {@code /web/...} paths. */
    boolean serves(String path) {
        return path.equals("/") || path.startsWith(PREFIX);
    }

    void send(Exchange ex, String path) throws IOException {
        String name = path.equals("/") ? "index.html" : path.substring(PREFIX.length());
        if (!NAME.matcher(name).matches()) {
            throw ApiException.notFound("no file " + JobRequest.clip(path));
        }
        Resource r = cache.computeIfAbsent(name, StaticFiles::load)
                .orElseThrow(() -> ApiException.notFound(path.equals("/")
                        ? "this build has no web page; the API is described at GET /openapi.json"
                        : "no file " + JobRequest.clip(path)));
        String cacheControl = name.equals("index.html") ? "no-cache" : "public, max-age=3600";
        ex.setHeader("ETag", r.etag());
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Content-Security-Policy", CSP);
        if (r.etag().equals(ex.header("If-None-Match"))) {
            ex.setHeader("Cache-Control", cacheControl);
            ex.startBody(304, 0).close();
            return;
        }
        ex.send(200, contentType(name), cacheControl, r.bytes());
    }

    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    private static Optional<Resource> load(String name) {
        try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return Optional.of(new Resource(bytes, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
