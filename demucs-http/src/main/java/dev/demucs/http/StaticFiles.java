package dev.demucs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The web page: {@code GET /} answers {@code web/index.html} and {@code GET /web/NAME} the
 * resource {@code dev/demucs/http/web/NAME} from the classpath; every other request goes to the
 * API. The page's files hold no secrets and are served without the bearer token, so the page can
 * load and ask for the token; every call the page makes to the API carries it.
 */
final class StaticFiles implements HttpHandler {
    /** Plain file names only: no separators, no leading dot, so nothing outside the folder. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static final Map<String, String> PAGE_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png");

    private final HttpHandler api;

    private StaticFiles(HttpHandler api) {
        this.api = api;
    }

    /** Serves the page's files and hands every other request to {@code api}. */
    static HttpHandler orElse(HttpHandler api) {
        return new StaticFiles(api);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String name = path.equals("/") ? "index.html" : path.startsWith("/web/") ? path.substring(5) : null;
        if (name == null || !(method.equals("GET") || method.equals("HEAD"))) {
            api.handle(ex);
            return;
        }
        try (ex; InputStream in = NAME.matcher(name).matches() ? StaticFiles.class.getResourceAsStream("web/" + name) : null) {
            if (in == null) {
                Api.sendJson(ex, 404, Json.error("no page file '" + JobRequest.clip(name) + "'"));
                return;
            }
            byte[] body = in.readAllBytes();
            ex.getResponseHeaders().set("Content-Type", contentType(name));
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The page's own types by extension; audio and the rest as for result files. */
    static String contentType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return PAGE_TYPES.getOrDefault(n.substring(n.lastIndexOf('.') + 1), FileResponder.contentType(n));
    }
}
