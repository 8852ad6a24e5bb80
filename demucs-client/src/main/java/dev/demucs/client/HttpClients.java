package dev.demucs.client;

import dev.demucs.net.AddressPolicy;
import dev.demucs.net.Fetcher;
import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * The one place where this module gets its {@link OkHttpClient}: the product's fetcher
 * ({@code demucs-net}) with the user's address policy ({@link AddressPolicy#ANY}: the server or
 * cloud API is the user's own choice, LAN and loopback included), verified TLS, and no redirects.
 * Every client in the module takes the instance as a constructor argument.
 */
public final class HttpClients {

    /**
     * Short connect/read deadlines: every call to a job service is short (submit, poll, download),
     * because cloud proxies cut requests after about 100 s. Uploads and downloads are bounded by the
     * read/write timeouts per packet, not in total.
     */
    private static final Fetcher FETCHER = Fetcher.builder(AddressPolicy.ANY)
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(60))
            .totalTimeout(Duration.ZERO)
            .build();

    private HttpClients() {
    }

    /** The client for job services and cloud APIs; callers retry themselves ({@link HttpCaller}). */
    public static OkHttpClient create() {
        return FETCHER.client().newBuilder()
                .writeTimeout(Duration.ofSeconds(60))
                .retryOnConnectionFailure(false)
                .build();
    }
}
