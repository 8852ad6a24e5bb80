package dev.demucs.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The one HTTP fetcher of the product: job inputs, model files, the CLI's URL inputs and remote
 * clients all go through it. Built on OkHttp:
 * <ul>
 *   <li>addresses are vetted by the caller's {@link AddressPolicy}: a {@link Dns} that resolves,
 *       vets every address and hands OkHttp only the vetted list (no second lookup between check
 *       and connect), IP literals checked before each hop, and under
 *       {@link AddressPolicy#PUBLIC_ONLY} a socket factory that refuses to connect anywhere else;</li>
 *   <li>redirects are followed here (at most {@link Builder#maxRedirects}), each hop checked like
 *       the first; a redirect to anything but http(s) is refused;</li>
 *   <li>connect and read (idle) time-outs, and a total deadline over every hop and the whole
 *       body ({@link Builder#totalTimeout});</li>
 *   <li>a size cap ({@link Builder#maxBytes}): a larger declared length is refused before
 *       reading, a body that grows past it is cut;</li>
 *   <li>TLS certificates and host names are always verified (OkHttp's defaults; there is no
 *       setting to turn that off); no proxy is used.</li>
 * </ul>
 * Failures are {@link FetchException}s with a {@link FetchException.Reason}.
 *
 * <pre>{@code
 * try (Fetcher fetcher = Fetcher.builder(AddressPolicy.PUBLIC_ONLY).maxBytes(512L << 20).build()) {
 *     fetcher.vet(url, Duration.ofSeconds(5));          // at submission: 400 material, no connection
 *     long bytes = fetcher.transfer(url).saveTo(file);   // on a worker thread
 * }
 * }</pre>
 *
 * <p>Thread-safe; share one per configuration. {@link #close()} stops the lookup threads.
 */
public final class Fetcher implements AutoCloseable {

    /** Default connect time-out. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** Default read time-out: the longest wait for the next bytes. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    /** Default total deadline of one transfer, every hop and the whole body. */
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofMinutes(10);
    /** Default size cap. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** Default number of redirects followed. */
    public static final int DEFAULT_MAX_REDIRECTS = 5;

    /** Connection pool and dispatcher shared by every fetcher. */
    private static final OkHttpClient SHARED = new OkHttpClient();
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    private final AddressPolicy policy;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration totalTimeout;
    private final long maxBytes;
    private final int maxRedirects;
    private final String userAgent;
    private final Function<InetAddress, String> ranges;
    private final VettingDns dns;
    private final OkHttpClient client;
    private final ThreadPoolExecutor lookups;

    private Fetcher(Builder b) {
        this.policy = b.policy;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.totalTimeout = b.totalTimeout;
        this.maxBytes = b.maxBytes;
        this.maxRedirects = b.maxRedirects;
        this.userAgent = b.userAgent;
        this.ranges = b.ranges;
        this.dns = new VettingDns(b.dns, b.policy, ranges);
        OkHttpClient.Builder cb = SHARED.newBuilder()
                .dns(dns)
                .proxy(Proxy.NO_PROXY)
                .followRedirects(false)
                .followSslRedirects(false)
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .writeTimeout(readTimeout)
                .callTimeout(totalTimeout);
        if (policy == AddressPolicy.PUBLIC_ONLY) {
            cb.socketFactory(new GuardedSocketFactory(ranges));
        }
        this.client = cb.build();
        AtomicInteger n = new AtomicInteger();
        this.lookups = new ThreadPoolExecutor(b.lookupThreads, b.lookupThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "demucs-net-lookup-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.lookups.allowCoreThreadTimeOut(true);
    }

    /** A builder with the defaults above and the given address policy. */
    public static Builder builder(AddressPolicy policy) {
        return new Builder(policy);
    }

    /** The address policy. */
    public AddressPolicy policy() {
        return policy;
    }

    /** The size cap in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * The configured OkHttp client, for code that speaks to an HTTP API directly (remote
     * clients): the vetting {@code Dns} (and under {@code PUBLIC_ONLY} the guarded sockets), the
     * time-outs, verified TLS, no proxy, and redirects NOT followed (follow them with
     * {@link #transfer} or check each location with {@link #check}). It shares its connection
     * pool with every fetcher; do not shut it down.
     */
    public OkHttpClient client() {
        return client;
    }

    /**
     * Checks a URL without any network access: absolute http(s), a host, no user info, no
     * ambiguous numeric host ({@code 2130706433}, {@code 0x7f.1}, {@code 127.1}, {@code 0177.0.0.1}),
     * and, under {@code PUBLIC_ONLY}, an IP-literal host must be public. A host name is vetted
     * when it is resolved ({@link #vet}, or at connect time).
     *
     * @return the parsed URL
     * @throws FetchException {@link FetchException.Reason#BAD_URL} or {@link FetchException.Reason#REFUSED_ADDRESS}
     */
    public HttpUrl check(String url) {
        if (url == null || url.isBlank()) {
            throw new FetchException(FetchException.Reason.BAD_URL, "(no URL)", "no URL given");
        }
        String trimmed = url.trim();
        HttpUrl u = HttpUrl.parse(trimmed);
        if (u == null) {
            int colon = trimmed.indexOf(':');
            String scheme = colon > 0 ? trimmed.substring(0, colon).toLowerCase(Locale.ROOT) : "";
            String what = !scheme.isEmpty() && scheme.matches("[a-z][a-z0-9+.-]*") && !scheme.equals("http") && !scheme.equals("https")
                    ? "only http and https URLs are accepted, not " + scheme
                    : "not a valid absolute http(s) URL";
            throw new FetchException(FetchException.Reason.BAD_URL, redact(trimmed), what);
        }
        String shown = redact(u);
        if (!u.username().isEmpty() || !u.password().isEmpty()) {
            throw new FetchException(FetchException.Reason.BAD_URL, shown, "user info (credentials) in the URL is not accepted");
        }
        InetAddress literal = literal(u, shown);
        if (literal != null && policy == AddressPolicy.PUBLIC_ONLY) {
            String why = ranges.apply(literal);
            if (why != null) {
                throw new FetchException(FetchException.Reason.REFUSED_ADDRESS, shown, "host is " + why + ", which is refused");
            }
        }
        return u;
    }

    /** The address of an IP-literal host (which OkHttp connects to without a lookup), else null. */
    private static InetAddress literal(HttpUrl u, String shown) {
        String host = u.host();
        if (host.indexOf(':') >= 0) {
            return parseLiteral(host, shown);
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String last = h.substring(h.lastIndexOf('.') + 1);
        if (NUMERIC_LABEL.matcher(last).matches() || h.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            if (!DOTTED_QUAD.matcher(host).matches()) {
                throw new FetchException(FetchException.Reason.BAD_URL, shown,
                        "numeric host " + host + " is not a plain dotted-quad IPv4 address (a.b.c.d, no leading zeros)");
            }
            return parseLiteral(host, shown);
        }
        return null;
    }

    private static InetAddress parseLiteral(String host, String shown) {
        try {
            return InetAddress.getByName(host); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new FetchException(FetchException.Reason.BAD_URL, shown, "host " + host + " is not a valid IP address");
        }
    }

    /**
     * {@link #check} now, then resolves the host and vets every address on the fetcher's own
     * lookup threads (never the caller's). Under {@code ANY} only the check and that the host
     * resolves.
     *
     * @return the parsed URL, or a future failed with a {@link FetchException}
     */
    public CompletableFuture<HttpUrl> vetAsync(String url) {
        HttpUrl u;
        try {
            u = check(url);
        } catch (FetchException e) {
            return CompletableFuture.failedFuture(e);
        }
        String shown = redact(u);
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    dns.lookup(u.host());
                } catch (IOException e) {
                    throw failure(shown, e, false, false);
                }
                return u;
            }, lookups);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new FetchException(FetchException.Reason.IO, shown,
                    "too many host lookups in progress", e));
        }
    }

    /**
     * {@link #vetAsync} with a bounded wait: for submission-time checks (the lookup itself runs
     * on the fetcher's threads).
     *
     * @throws FetchException {@code BAD_URL}, {@code REFUSED_ADDRESS}, {@code UNKNOWN_HOST}, or
     *                        {@code TIMEOUT} when the lookup takes longer than {@code maxWait}
     */
    public HttpUrl vet(String url, Duration maxWait) {
        CompletableFuture<HttpUrl> f = vetAsync(url);
        try {
            return f.get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new FetchException(FetchException.Reason.TIMEOUT, redact(url),
                    "host lookup took longer than " + maxWait.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof FetchException fe) {
                throw fe;
            }
            throw new FetchException(FetchException.Reason.IO, redact(url), String.valueOf(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException(FetchException.Reason.CANCELLED, redact(url), "interrupted while looking up the host");
        }
    }

    /** A new transfer of {@code url} (nothing happens until {@link Transfer#open()} or {@link Transfer#saveTo}). */
    public Transfer transfer(String url) {
        return new Transfer(this, url);
    }

    /**
     * Downloads {@code url} (HTTP 200 expected) to {@code target}, written under a temporary
     * name beside it and renamed when whole.
     *
     * @return the number of bytes written
     */
    public long download(String url, Path target) {
        return transfer(url).saveTo(target);
    }

    /**
     * A URL for messages and logs: scheme, host, port and path; never user info, query (shown
     * as {@code ?…}) or fragment. Works on unparsable strings too.
     */
    public static String redact(String url) {
        if (url == null) {
            return "(no URL)";
        }
        HttpUrl u = HttpUrl.parse(url.trim());
        if (u != null) {
            return redact(u);
        }
        String s = url.trim();
        int cut = s.length();
        int q = s.indexOf('?');
        int h = s.indexOf('#');
        if (q >= 0) {
            cut = Math.min(cut, q);
        }
        if (h >= 0) {
            cut = Math.min(cut, h);
        }
        String head = s.substring(0, cut).replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
        return FetchException.oneLine(head) + (q >= 0 ? "?…" : "");
    }

    static String redact(HttpUrl u) {
        StringBuilder s = new StringBuilder(u.scheme()).append("://");
        s.append(u.host().indexOf(':') >= 0 ? "[" + u.host() + "]" : u.host());
        if (u.port() != HttpUrl.defaultPort(u.scheme())) {
            s.append(':').append(u.port());
        }
        s.append(u.encodedPath());
        if (u.encodedQuery() != null) {
            s.append("?…");
        }
        return s.toString();
    }

    OkHttpClient clientFor(long remainingNanos) {
        if (totalTimeout.isZero()) {
            return client;
        }
        return client.newBuilder().callTimeout(Duration.ofNanos(Math.max(1_000_000, remainingNanos))).build();
    }

    Duration totalTimeout() {
        return totalTimeout;
    }

    int maxRedirects() {
        return maxRedirects;
    }

    String userAgent() {
        return userAgent;
    }

    /**
     * Turns an OkHttp I/O failure into a {@link FetchException}.
     *
     * @param cancelled    the caller cancelled the transfer
     * @param deadlineHit  the total deadline cancelled the call
     */
    FetchException failure(String shown, IOException e, boolean cancelled, boolean deadlineHit) {
        if (cancelled) {
            return new FetchException(FetchException.Reason.CANCELLED, shown, "cancelled", e);
        }
        AddressRefusedException refused = find(e, AddressRefusedException.class);
        if (refused != null) {
            return new FetchException(FetchException.Reason.REFUSED_ADDRESS, shown, refused.getMessage(), e);
        }
        if (deadlineHit) {
            return new FetchException(FetchException.Reason.TIMEOUT, shown,
                    "timed out: took longer than the total deadline of " + seconds(totalTimeout), e);
        }
        UnknownHostException unknown = find(e, UnknownHostException.class);
        if (unknown != null) {
            return new FetchException(FetchException.Reason.UNKNOWN_HOST, shown, "unknown host " + unknown.getMessage(), e);
        }
        SocketTimeoutException timeout = find(e, SocketTimeoutException.class);
        if (timeout != null) {
            boolean connect = String.valueOf(timeout.getMessage()).toLowerCase(Locale.ROOT).contains("connect");
            return new FetchException(FetchException.Reason.TIMEOUT, shown, connect
                    ? "timed out: no connection within the connect time-out of " + seconds(connectTimeout)
                    : "timed out: no data for the read time-out of " + seconds(readTimeout), e);
        }
        if (e instanceof InterruptedIOException) {
            return new FetchException(FetchException.Reason.TIMEOUT, shown, "timed out (" + e.getMessage() + ")", e);
        }
        ConnectException connect = find(e, ConnectException.class);
        NoRouteToHostException route = find(e, NoRouteToHostException.class);
        SSLException tls = find(e, SSLException.class);
        if (tls != null) {
            return new FetchException(FetchException.Reason.CONNECT, shown, "TLS failed: " + tls.getMessage(), e);
        }
        if (connect != null || route != null) {
            return new FetchException(FetchException.Reason.CONNECT, shown,
                    "cannot connect (" + (connect != null ? connect.getMessage() : route.getMessage()) + ")", e);
        }
        return new FetchException(FetchException.Reason.IO, shown, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        return find(t, type, 0);
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type, int depth) {
        if (t == null || depth > 8) {
            return null;
        }
        if (type.isInstance(t)) {
            return type.cast(t);
        }
        for (Throwable s : t.getSuppressed()) {
            T found = find(s, type, depth + 1);
            if (found != null) {
                return found;
            }
        }
        return t.getCause() == t ? null : find(t.getCause(), type, depth + 1);
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Stops the lookup threads. Transfers in progress are not affected; harmless twice. */
    @Override
    public void close() {
        lookups.shutdownNow();
    }

    /** Settings of a {@link Fetcher}. */
    public static final class Builder {
        private final AddressPolicy policy;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration totalTimeout = DEFAULT_TOTAL_TIMEOUT;
        private long maxBytes = DEFAULT_MAX_BYTES;
        private int maxRedirects = DEFAULT_MAX_REDIRECTS;
        private String userAgent = "demucs-jvm";
        private Dns dns = Dns.SYSTEM;
        private int lookupThreads = 2;
        private Function<InetAddress, String> ranges = AddressRanges::refusedReason;

        private Builder(AddressPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Longest wait for a connection (&gt; 0). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        /** Longest wait for the next bytes once connected (&gt; 0). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = positive("readTimeout", d);
            return this;
        }

        /** Total deadline of one transfer: every hop, connect and the whole body; {@link Duration#ZERO} for none. */
        public Builder totalTimeout(Duration d) {
            Objects.requireNonNull(d, "totalTimeout");
            if (d.isNegative()) {
                throw new IllegalArgumentException("totalTimeout must be >= 0, got " + d);
            }
            this.totalTimeout = d;
            return this;
        }

        /** Size cap of a response body, bytes (&gt; 0; {@link Long#MAX_VALUE} for none). */
        public Builder maxBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be > 0, got " + bytes);
            }
            this.maxBytes = bytes;
            return this;
        }

        /** Redirects followed per transfer (0 … 20). */
        public Builder maxRedirects(int n) {
            if (n < 0 || n > 20) {
                throw new IllegalArgumentException("maxRedirects must be in 0 … 20, got " + n);
            }
            this.maxRedirects = n;
            return this;
        }

        /** The User-Agent header. */
        public Builder userAgent(String ua) {
            this.userAgent = Objects.requireNonNull(ua, "userAgent");
            return this;
        }

        /**
         * The resolver whose answers are vetted (default {@link Dns#SYSTEM}); tests inject one to
         * make a name resolve to a chosen address.
         */
        public Builder dns(Dns upstream) {
            this.dns = Objects.requireNonNull(upstream, "dns");
            return this;
        }

        /** Threads for {@link #vetAsync} lookups (1 … 64). */
        public Builder lookupThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("lookupThreads must be in 1 … 64, got " + n);
            }
            this.lookupThreads = n;
            return this;
        }

        /** Tests only: which addresses PUBLIC_ONLY refuses (lets a loopback test server count as public). */
        Builder ranges(Function<InetAddress, String> refusedReason) {
            this.ranges = Objects.requireNonNull(refusedReason, "ranges");
            return this;
        }

        public Fetcher build() {
            return new Fetcher(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + d);
            }
            return d;
        }
    }
}
