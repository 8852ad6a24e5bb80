package dev.demucs.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * One request and its answer, as the handlers see them: blocking reads and writes over Jetty's
 * {@link Request} and {@link Response}. A {@code HEAD} request is answered like the {@code GET}
 * of the same path with the headers only.
 */
final class Exchange {
    private static final long MAX_DRAIN = 16L << 20;

    private final Request request;
    private final Response response;
    private InputStream body;
    private boolean committed;

    Exchange(Request request, Response response) {
        this.request = request;
        this.response = response;
    }

    String method() {
        return request.getMethod();
    }

    boolean head() {
        return "HEAD".equals(request.getMethod());
    }

    /** The path as sent (percent-encoded). */
    String rawPath() {
        String p = request.getHttpURI().getPath();
        return p == null ? "/" : p;
    }

    String header(String name) {
        return request.getHeaders().get(name);
    }

    /** The caller's address (the socket's peer; forwarding headers are not trusted). */
    InetAddress remoteAddress() {
        SocketAddress a = request.getConnectionMetaData().getRemoteSocketAddress();
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    /** The query parameters, decoded; 400 on a malformed query. */
    Map<String, String> query() {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = request.getHttpURI().getQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(k, v);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("malformed query string");
            }
        }
        return out;
    }

    /** The declared Content-Length, or -1 (Jetty has already refused a malformed one). */
    long contentLength() {
        return request.getLength();
    }

    /** True when the request announces a body (a non-zero Content-Length, or chunked). */
    boolean hasBody() {
        return request.getLength() > 0 || header("Transfer-Encoding") != null;
    }

    /** The request body as a stream. */
    InputStream body() {
        if (body == null) {
            body = Content.Source.asInputStream(request);
        }
        return body;
    }

    /** Jetty's view of the request body, for its multipart parser. */
    Request request() {
        return request;
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    boolean committed() {
        return committed || response.isCommitted();
    }

    /** Sends a JSON answer (headers only for HEAD). */
    void sendJson(int status, JsonNode json) throws IOException {
        byte[] bytes = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
        send(status, "application/json; charset=utf-8", "no-store", bytes);
    }

    /** Sends a whole body held in memory (headers only for HEAD). */
    void send(int status, String contentType, String cacheControl, byte[] bytes) throws IOException {
        setHeader("Content-Type", contentType);
        if (cacheControl != null) {
            setHeader("Cache-Control", cacheControl);
        }
        try (OutputStream out = startBody(status, bytes.length)) {
            if (!head()) {
                out.write(bytes);
            }
        }
    }

    /**
     * Sends the status and headers with a {@code Content-Length}; the caller writes exactly
     * {@code length} bytes to the stream (none for HEAD) and closes it.
     */
    OutputStream startBody(int status, long length) {
        committed = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        return Content.Sink.asOutputStream(response);
    }

    /**
     * Reads and discards what is left of a refused request body (up to 16 MiB), so a client
     * still sending reads the error instead of a reset connection.
     */
    void drain() {
        try {
            InputStream in = body();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while (total < MAX_DRAIN && (n = in.read(buffer)) >= 0) {
                total += n;
            }
        } catch (IOException | RuntimeException ignored) {
            // the client went away or the body was already failed
        }
    }
}
