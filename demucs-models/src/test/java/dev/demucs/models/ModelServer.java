package dev.demucs.models;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on loopback serving files by name, with Range support and scripted faults
 * (cut a response short, ignore Range, throttle), recording every request.
 */
final class ModelServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    /** One request as the server saw it. */
    record Request(String path, String range, int status, long bytesSent /* planned: the whole body, or up to the cut */) {
    }

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Responses still to be cut short: the next N full/partial responses stop after cutAfterBytes. */
    final AtomicInteger cutsLeft = new AtomicInteger();
    volatile long cutAfterBytes = Long.MAX_VALUE;
    volatile boolean rangeSupported = true;
    volatile long throttleNanosPerChunk;
    volatile int chunkBytes = 16 * 1024;
    /** Bodies wait for this latch after their headers (open unless a test sets a closed one). */
    volatile java.util.concurrent.CountDownLatch bodyGate = new java.util.concurrent.CountDownLatch(0);

    ModelServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "model-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    void put(String name, byte[] content) {
        files.put("/models/" + name, content);
    }

    /** The base URL under which files are served. */
    String baseUrl() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/models/";
    }

    long requestsFor(String name) {
        return requests.stream().filter(r -> r.path().equals("/models/" + name)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        byte[] body = files.get(path);
        try (ex) {
            if (body == null) {
                requests.add(new Request(path, range, 404, 0));
                ex.sendResponseHeaders(404, -1);
                return;
            }
            long start = 0;
            int status = 200;
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (rangeSupported && m != null && m.matches()) {
                start = Long.parseLong(m.group(1));
                if (start >= body.length) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    requests.add(new Request(path, range, 416, 0));
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                ex.getResponseHeaders().add("Content-Range",
                        "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
            }
            ex.getResponseHeaders().add("Accept-Ranges", rangeSupported ? "bytes" : "none");
            long length = body.length - start;
            ex.sendResponseHeaders(status, length);
            boolean cut = cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            long limit = cut ? Math.min(length, cutAfterBytes) : length;
            // Recorded before the body goes out, so a client that has read everything always
            // finds its request here.
            requests.add(new Request(path, range, status, limit));
            long sent = 0;
            OutputStream out = ex.getResponseBody();
            try {
                bodyGate.await(120, java.util.concurrent.TimeUnit.SECONDS);
                while (sent < limit) {
                    int n = (int) Math.min(chunkBytes, limit - sent);
                    out.write(body, (int) (start + sent), n);
                    out.flush();
                    sent += n;
                    if (throttleNanosPerChunk > 0) {
                        Thread.sleep(throttleNanosPerChunk / 1_000_000, (int) (throttleNanosPerChunk % 1_000_000));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // client went away
            }
            // When cut, closing the exchange with bytes still owed drops the connection: the
            // client sees the body end early.
        } catch (IOException e) {
            if (!e.getMessage().contains("insufficient bytes")) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
