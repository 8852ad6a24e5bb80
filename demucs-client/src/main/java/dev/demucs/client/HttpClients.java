package dev.demucs.client;

import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * The one place where this module builds its {@link OkHttpClient}. Every client in the module takes
 * the instance as a constructor argument, so the product's shared fetcher can replace this factory.
 */
public final class HttpClients {

    private HttpClients() {
    }

    /**
     * A client with short connect/read deadlines: every call to a job service is short (submit,
     * poll, download), because cloud proxies cut requests after about 100 s. Uploads and downloads
     * are bounded by the read/write timeouts per packet, not in total.
     */
    public static OkHttpClient create() {
        return new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(60))
                .writeTimeout(Duration.ofSeconds(60))
                .followRedirects(false)
                .retryOnConnectionFailure(false)
                .build();
    }
}
