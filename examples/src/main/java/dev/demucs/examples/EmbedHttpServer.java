package dev.demucs.examples;

import dev.demucs.http.DemucsServer;
import dev.demucs.http.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the REST job service inside your own application, bound to the loopback interface.
 *
 * <pre>
 * java dev.demucs.examples.EmbedHttpServer jobs/ [model] [port]
 *   curl -s localhost:8185/health
 *   curl -s -F file=@song.mp3 localhost:8185/job          → {"job_id": "...", "status": "pending", ...}
 *   curl -s localhost:8185/job/ID                          → progress
 *   curl -s -o instrumental.mp3 localhost:8185/result/ID/instrumental.mp3
 * </pre>
 *
 * <p>The model loads in the background after {@link DemucsServer#start()}; {@code /health}
 * says when it is ready. {@link DemucsServer#close()} lets running jobs finish for a grace
 * period; here it runs on Ctrl-C.
 */
public final class EmbedHttpServer {

    private EmbedHttpServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: EmbedHttpServer <data dir> [model] [port]");
            System.exit(2);
        }
        ServerConfig.Builder config = ServerConfig.builder()
                .host("127.0.0.1")
                .port(args.length > 2 ? Integer.parseInt(args[2]) : ServerConfig.DEFAULT_PORT)
                .dataDir(Path.of(args[0]));
        if (args.length > 1) {
            config.modelSpec(args[1]);
        }
        DemucsServer server = DemucsServer.create(config.build()).start();
        System.out.println("listening on http://127.0.0.1:" + server.port() + "  routes: " + server.routes());

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "stop-server"));
        stopped.await();
    }
}
