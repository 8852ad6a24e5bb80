package dev.demucs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.LongConsumer;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/**
 * A client of the REST API of {@code demucs-separate serve} (the template's API): every call is
 * short (the cloud proxies cut requests after ~100 s) and transient failures are retried by
 * {@link HttpCaller}. Errors are {@link ClientException}s with the server's own message.
 * <pre>
 * RemoteClient c = new RemoteClient(HttpClients.create(), "http://gpu-box:8185", token, HttpCaller.Backoff.DEFAULT);
 * JsonNode created = c.submitUrl("https://example.com/a.mp3", JobOptions.DEFAULTS, null);
 * JsonNode job = c.job(created.get("job_id").asText());
 * </pre>
 */
public final class RemoteClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    private final HttpUrl base;
    private final String token;
    private final HttpCaller caller;

    /**
     * @param http    the HTTP client
     * @param baseUrl the server, e.g. {@code http://127.0.0.1:8185}
     * @param token   bearer token, or null/empty for none
     * @param backoff bounds of the retries of transient failures
     */
    public RemoteClient(OkHttpClient http, String baseUrl, String token, HttpCaller.Backoff backoff) {
        HttpUrl u = HttpUrl.parse(baseUrl == null ? "" : baseUrl.trim());
        if (u == null) {
            throw new ClientException(ClientException.Kind.REJECTED, "server URL '" + baseUrl + "' is not an http(s) URL");
        }
        this.base = u;
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.caller = new HttpCaller(http, backoff, "server " + u.scheme() + "://" + u.host() + ":" + u.port());
    }

    /** The server's base URL. */
    public String baseUrl() {
        return base.toString();
    }

    /** The retrying caller, e.g. to add a hook checking that a pod behind a proxy still lives. */
    public HttpCaller caller() {
        return caller;
    }

    /** {@code GET /health} (no token needed). */
    public JsonNode health() {
        return call(get("health"), "GET /health");
    }

    /** {@code GET /status}: models_ready, jobs, device. */
    public JsonNode status() {
        return call(get("status"), "GET /status");
    }

    /** {@code GET /jobs}. */
    public JsonNode jobs() {
        return call(get("jobs"), "GET /jobs");
    }

    /** {@code GET /job/{id}}. */
    public JsonNode job(String id) {
        return call(get("job/" + id), "job " + id);
    }

    /** {@code DELETE /job/{id}}: cancels a queued or running job and deletes it. */
    public JsonNode cancel(String id) {
        return call(builder(url("job/" + id)).delete().build(), "job " + id);
    }

    /** {@code POST /job} with {@code input_url}. */
    public JsonNode submitUrl(String inputUrl, JobOptions options, String jobId) {
        ObjectNode body = JSON.createObjectNode().put("input_url", inputUrl);
        body.setAll((ObjectNode) JSON.valueToTree(options.fields()));
        if (jobId != null) {
            body.put("job_id", jobId);
        }
        RequestBody rb = RequestBody.create(body.toString(), JSON_TYPE);
        return call(builder(url("job")).post(rb).build(), "POST /job");
    }

    /**
     * {@code POST /job} with the file as the raw body (streamed; the options in the query string).
     *
     * @param progress bytes sent so far, called from this thread
     */
    public JsonNode upload(Path file, JobOptions options, String jobId, LongConsumer progress) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.IO, "input '" + file + "' is not readable: " + e.getMessage(), e);
        }
        HttpUrl.Builder u = url("job").newBuilder();
        options.fields().forEach((k, v) -> u.addQueryParameter(k, v.toString()));
        if (jobId != null) {
            u.addQueryParameter("job_id", jobId);
        }
        RequestBody body = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return size;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                byte[] buffer = new byte[64 * 1024];
                long sent = 0;
                try (InputStream in = Files.newInputStream(file)) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        sink.write(buffer, 0, n);
                        sent += n;
                        progress.accept(sent);
                    }
                }
            }
        };
        String name = file.getFileName().toString().replaceAll("[^A-Za-z0-9._ -]", "_");
        Request r = builder(u.build()).header("Content-Disposition", "attachment; filename=\"" + name + "\"").post(body).build();
        return call(r, "POST /job");
    }

    /**
     * Downloads one result file to {@code dest}: written to {@code dest.part}, checked against the
     * expected size and renamed when whole.
     *
     * @param path     the file's URL path as the server lists it ({@code /result/{id}/{name}})
     * @param expected the size the server lists
     * @param progress bytes received so far
     */
    public void download(String path, Path dest, long expected, LongConsumer progress) {
        if (!path.startsWith("/result/") || path.contains("..") || path.contains("?") || path.contains("#")) {
            throw new ClientException(ClientException.Kind.JOB_FAILED, "server listed an unexpected file URL: " + RemoteClient.oneLine(path));
        }
        // relative to the base path: a proxy may put the server under a path prefix
        HttpUrl u = base.newBuilder().addEncodedPathSegments(path.substring(1)).build();
        Path part = dest.resolveSibling(dest.getFileName() + ".part");
        try (Response r = caller.send(builder(u).get().build())) {
            if (!r.isSuccessful()) {
                throw error(r, "download " + path);
            }
            Files.createDirectories(dest.getParent());
            long got = 0;
            try (InputStream in = r.body().byteStream(); OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    got += n;
                    if (got > expected) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    progress.accept(got);
                }
            }
            if (got != expected) {
                Files.deleteIfExists(part);
                throw new ClientException(ClientException.Kind.UNAVAILABLE, "download of " + dest.getFileName() + " got "
                        + (got > expected ? "more than " + expected : got) + " bytes, the server listed " + expected);
            }
            Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "download of " + dest.getFileName() + " failed: " + e.getMessage(), e);
        }
    }

    private Request get(String path) {
        return builder(url(path)).get().build();
    }

    private HttpUrl url(String path) {
        HttpUrl.Builder b = base.newBuilder();
        if (base.pathSegments().size() == 1 && base.pathSegments().get(0).isEmpty()) {
            b.encodedPath("/");
        }
        return b.addPathSegments(path).build();
    }

    private Request.Builder builder(HttpUrl u) {
        Request.Builder b = new Request.Builder().url(u).header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode call(Request r, String what) {
        try (Response resp = caller.send(r)) {
            if (!resp.isSuccessful()) {
                throw error(resp, what);
            }
            return JSON.readTree(resp.body().byteStream());
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, caller.service() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    private ClientException error(Response r, String what) {
        String message = serverMessage(r);
        int code = r.code();
        if (code == 401 || code == 403) {
            return new ClientException(ClientException.Kind.AUTH, caller.service() + " refused the request (HTTP " + code + ": "
                    + message + "); pass --token or set DEMUCS_API_TOKEN to the server's token", code);
        }
        ClientException.Kind kind = code >= 400 && code < 500 ? ClientException.Kind.REJECTED : ClientException.Kind.JOB_FAILED;
        return new ClientException(kind, caller.service() + ": " + what + ": HTTP " + code + ": " + message, code);
    }

    static String serverMessage(Response r) {
        try {
            String text = r.body().string();
            if (text.length() > 2000) {
                text = text.substring(0, 2000);
            }
            try {
                JsonNode n = JSON.readTree(text);
                if (n != null && n.hasNonNull("error")) {
                    return oneLine(n.get("error").asText());
                }
            } catch (IOException notJson) {
                // fall through to the text
            }
            return text.isBlank() ? r.message() : oneLine(text.length() > 200 ? text.substring(0, 200) + "…" : text);
        } catch (IOException e) {
            return r.message();
        }
    }

    static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
