package dev.demucs.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
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

    static String contentType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (n.endsWith(".js") || n.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        }
        if (n.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (n.endsWith(".svg")) {
            return "image/svg+xml";
        }
        if (n.endsWith(".png")) {
            return "image/png";
        }
        return FileResponder.contentType(n);
    }
}
