package dev.demucs.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * RunPod through its public APIs: REST v1 ({@code https://rest.runpod.io/v1}, Bearer key) for
 * pods ({@code POST /pods}, {@code GET /pods}, {@code GET /pods/{id}}, {@code POST /pods/{id}/stop},
 * {@code DELETE /pods/{id}}), and GraphQL ({@code https://api.runpod.io/graphql}) for
 * {@code gpuTypes}, because REST v1 has no prices or stock for GPU types. The pod's HTTP port is
 * reached through RunPod's proxy, {@code https://{podId}-{port}.proxy.runpod.net}.
 * <p>
 * The API key is sent only in the {@code Authorization} header and is removed from every message.
 */
public final class RunPodProvider implements CloudProvider {

    /** REST v1 base URL. */
    public static final String DEFAULT_API_URL = "https://rest.runpod.io/v1";
    /** GraphQL endpoint. */
    public static final String DEFAULT_GRAPHQL_URL = "https://api.runpod.io/graphql";
    /** The HTTP proxy in front of a pod's published port. */
    public static final String DEFAULT_PROXY_URL = "https://{podId}-{port}.proxy.runpod.net";
    /** The environment variable of the API key. */
    public static final String KEY_VARIABLE = "RUNPOD_API_KEY";

    static final String GPU_TYPES_QUERY = "query GpuTypes { gpuTypes { id displayName memoryInGb secureCloud communityCloud"
            + " lowestPrice(input: {gpuCount: 1}) { uninterruptablePrice stockStatus } } }";
    private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");

    /**
     * Where the APIs are.
     *
     * @param apiUrl        REST v1 base
     * @param graphqlUrl    GraphQL endpoint
     * @param proxyTemplate pod URL template with {@code {podId}} and {@code {port}}
     */
    public record Endpoints(String apiUrl, String graphqlUrl, String proxyTemplate) {
        /** RunPod's own. */
        public static final Endpoints DEFAULT = new Endpoints(DEFAULT_API_URL, DEFAULT_GRAPHQL_URL, DEFAULT_PROXY_URL);
    }

    private final Endpoints endpoints;
    private final String apiKey;
    private final HttpCaller caller;

    /**
     * @param http      the HTTP client
     * @param endpoints the API URLs
     * @param apiKey    the API key (never logged)
     * @param backoff   bounds of the retries of 429/502/503 and refused connections
     */
    public RunPodProvider(OkHttpClient http, Endpoints endpoints, String apiKey, HttpCaller.Backoff backoff) {
        if (apiKey == null || apiKey.isBlank()) {
            throw new ClientException(ClientException.Kind.AUTH, "no RunPod API key: set " + KEY_VARIABLE + " or pass --api-key-file");
        }
        for (String u : new String[] {endpoints.apiUrl(), endpoints.graphqlUrl()}) {
            if (HttpUrl.parse(u) == null) {
                throw new ClientException(ClientException.Kind.REJECTED, "'" + u + "' is not an http(s) URL");
            }
        }
        if (!endpoints.proxyTemplate().contains("{podId}")) {
            throw new ClientException(ClientException.Kind.REJECTED, "--proxy-url '" + endpoints.proxyTemplate() + "' has no {podId}");
        }
        this.endpoints = endpoints;
        this.apiKey = apiKey.trim();
        this.caller = new HttpCaller(http, backoff, "RunPod API");
    }

    @Override
    public String name() {
        return "RunPod";
    }

    @Override
    public List<GpuType> gpuTypes() {
        ObjectNode body = RemoteClient.JSON.createObjectNode().put("query", GPU_TYPES_QUERY);
        JsonNode answer = call(request(endpoints.graphqlUrl()).post(RequestBody.create(body.toString(), JSON_TYPE)).build(), "gpuTypes");
        if (answer.path("errors").size() > 0) {
            throw new ClientException(ClientException.Kind.JOB_FAILED, "RunPod GraphQL gpuTypes: "
                    + scrub(answer.path("errors").get(0).path("message").asText("error")));
        }
        List<GpuType> out = new ArrayList<>();
        for (JsonNode g : answer.path("data").path("gpuTypes")) {
            JsonNode price = g.path("lowestPrice");
            out.add(new GpuType(g.path("id").asText(), g.path("displayName").asText(g.path("id").asText()),
                    g.path("memoryInGb").asInt(), price.hasNonNull("uninterruptablePrice") ? price.get("uninterruptablePrice").asDouble() : null,
                    g.path("secureCloud").asBoolean(), g.path("communityCloud").asBoolean(),
                    price.hasNonNull("stockStatus") ? price.get("stockStatus").asText() : null));
        }
        return out;
    }

    @Override
    public Pod create(PodSpec spec, String gpuType) {
        ObjectNode body = RemoteClient.JSON.createObjectNode()
                .put("name", spec.name())
                .put("imageName", spec.image())
                .put("gpuCount", 1)
                .put("cloudType", spec.cloudType())
                .put("containerDiskInGb", spec.diskGb())
                .put("volumeInGb", 0);
        body.putArray("gpuTypeIds").add(gpuType);
        body.putArray("ports").add(spec.httpPort() + "/http");
        ObjectNode env = body.putObject("env");
        spec.env().forEach(env::put);
        if (spec.volumeId() != null) {
            body.put("networkVolumeId", spec.volumeId());
        }
        Request r = request(endpoints.apiUrl() + "/pods").post(RequestBody.create(body.toString(), JSON_TYPE)).build();
        try (Response resp = caller.send(r)) {
            if (!resp.isSuccessful()) {
                String message = scrub(RemoteClient.serverMessage(resp));
                String lower = message.toLowerCase(Locale.ROOT);
                if (lower.contains("no longer any instances available") || lower.contains("no instances available")
                        || lower.contains("does not have the resources")) {
                    throw new NoCapacityException("RunPod has no " + gpuType + " available now (" + message + ")");
                }
                throw failure(resp.code(), message, "create pod");
            }
            return pod(RemoteClient.JSON.readTree(resp.body().byteStream()));
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "RunPod API: create pod: " + scrub(String.valueOf(e.getMessage())), e);
        }
    }

    @Override
    public Pod get(String podId) {
        return pod(call(request(podUrl(podId, "")).get().build(), "pod " + podId));
    }

    @Override
    public List<Pod> list() {
        List<Pod> out = new ArrayList<>();
        JsonNode answer = call(request(endpoints.apiUrl() + "/pods").get().build(), "list pods");
        for (JsonNode p : answer.isArray() ? answer : answer.path("pods")) {
            out.add(pod(p));
        }
        return out;
    }

    @Override
    public void stop(String podId) {
        call(request(podUrl(podId, "/stop")).post(RequestBody.create(new byte[0])).build(), "stop pod " + podId);
    }

    @Override
    public void terminate(String podId) {
        try {
            call(request(podUrl(podId, "")).delete().build(), "terminate pod " + podId);
        } catch (ClientException e) {
            if (e.httpStatus() != 404) {
                throw e;
            }
        }
    }

    @Override
    public String serviceUrl(String podId, int port) {
        return endpoints.proxyTemplate().replace("{podId}", podId).replace("{port}", Integer.toString(port));
    }

    private String podUrl(String podId, String suffix) {
        if (!podId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ClientException(ClientException.Kind.REJECTED, "pod id '" + RemoteClient.oneLine(podId) + "' is malformed");
        }
        return endpoints.apiUrl() + "/pods/" + podId + suffix;
    }

    private static Pod pod(JsonNode p) {
        String gpu = p.path("machine").hasNonNull("gpuTypeId") ? p.path("machine").get("gpuTypeId").asText()
                : p.path("gpu").hasNonNull("id") ? p.path("gpu").get("id").asText() : null;
        return new Pod(p.path("id").asText(), p.path("name").asText(""), p.path("desiredStatus").asText("UNKNOWN"),
                p.path("costPerHr").asDouble(0), gpu);
    }

    private Request.Builder request(String url) {
        return new Request.Builder().url(url).header("Authorization", "Bearer " + apiKey).header("Accept", "application/json");
    }

    private JsonNode call(Request r, String what) {
        try (Response resp = caller.send(r)) {
            if (!resp.isSuccessful()) {
                throw failure(resp.code(), scrub(RemoteClient.serverMessage(resp)), what);
            }
            String text = resp.body().string();
            return text.isBlank() ? RemoteClient.JSON.createObjectNode() : RemoteClient.JSON.readTree(text);
        } catch (IOException e) {
            throw new ClientException(ClientException.Kind.UNAVAILABLE, "RunPod API: " + what + ": " + scrub(String.valueOf(e.getMessage())), e);
        }
    }

    private static ClientException failure(int code, String message, String what) {
        if (code == 401 || code == 403) {
            return new ClientException(ClientException.Kind.AUTH, "RunPod refused the API key (HTTP " + code + ") on " + what
                    + ": check " + KEY_VARIABLE + " (or --api-key-file)", code);
        }
        ClientException.Kind kind = code >= 400 && code < 500 ? ClientException.Kind.REJECTED : ClientException.Kind.UNAVAILABLE;
        return new ClientException(kind, "RunPod API: " + what + ": HTTP " + code + ": " + message, code);
    }

    private String scrub(String s) {
        return s.replace(apiKey, "<RUNPOD_API_KEY>");
    }

    /** GPU types as a JSON array, for {@code --json}. */
    public static ArrayNode toJson(List<GpuType> types) {
        return RemoteClient.JSON.valueToTree(types);
    }
}
