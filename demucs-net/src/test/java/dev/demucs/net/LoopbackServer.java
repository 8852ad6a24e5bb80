package dev.demucs.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP/1.1 server on a loopback address and a random port, one response per connection.
 * It counts accepted TCP connections (so a test can prove none was made) and keeps the request
 * heads it saw.
 */
final class LoopbackServer implements AutoCloseable {

    /** Writes the whole response for one request head. */
    interface Handler {
        void respond(String requestHead, OutputStream out) throws IOException, InterruptedException;
    }

    private final ServerSocket socket;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-server");
        t.setDaemon(true);
        return t;
    });
    final AtomicInteger accepted = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();

    LoopbackServer(String address, Handler handler) throws IOException {
        socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        pool.submit(() -> {
            while (!socket.isClosed()) {
                Socket s;
                try {
                    s = socket.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                pool.submit(() -> {
                    try (s) {
                        String head = readHead(s.getInputStream());
                        requests.add(head);
                        handler.respond(head, s.getOutputStream());
                        s.getOutputStream().flush();
                    } catch (IOException | InterruptedException e) {
                        // the client went away: normal in the failure tests
                    }
                });
            }
        });
    }

    LoopbackServer(Handler handler) throws IOException {
        this("127.0.0.1", handler);
    }

    int port() {
        return socket.getLocalPort();
    }

    String url(String path) {
        String host = socket.getInetAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + path;
    }

    static Handler ok(byte[] body) {
        return (head, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
        };
    }

    static Handler redirect(int status, String location) {
        return (head, out) -> out.write(("HTTP/1.1 " + status + " Moved\r\nLocation: " + location
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
            matched = (c == '\r' || c == '\n') && (matched % 2 == 0) == (c == '\r') ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        pool.shutdownNow();
    }
}
