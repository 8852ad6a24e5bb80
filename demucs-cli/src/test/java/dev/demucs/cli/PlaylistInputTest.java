package dev.demucs.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: a playlist or concat list that names a local audio file is never decoded, whether
 * given to {@code --input} as a file or as a URL (downloaded through the fetcher): one error
 * line, exit code 4, and no output at all.
 */
class PlaylistInputTest {

    @TempDir
    static Path shared;
    static CliFixture fx;

    @BeforeAll
    static void setUp() {
        fx = new CliFixture(shared, 9);
    }

    private static CliFixture.Run run(Path out, String input) {
        return CliFixture.run("--input", input, "--output", out.toString(), "--model", fx.model.toString(), "--device", "cpu",
                "--threads", "1");
    }

    private static String m3u8() {
        return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:30\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:9.0,\n"
                + fx.input.toAbsolutePath() + "\n#EXT-X-ENDLIST\n";
    }

    private static void assertNoOutput(Path out) {
        assertFalse(Files.exists(out.resolve("instrumental.mp3")) || Files.exists(out.resolve("segments"))
                || Files.exists(out.resolve("demucs_results")), "no output of the listed file");
    }

    @Test
    void localPlaylistAndConcatListAreRefused(@TempDir Path dir) throws Exception {
        Path m3u8 = Files.writeString(dir.resolve("list.m3u8"), m3u8());
        Path out = dir.resolve("o1");
        BadInputTest.assertError(run(out, m3u8.toString()), ExitCodes.IO, "list.m3u8", "format 'hls'",
                "not accepted");
        assertNoOutput(out);
        Files.copy(fx.input, dir.resolve("song.wav"));
        Path concat = Files.writeString(dir.resolve("list.ffconcat"), "ffconcat version 1.0\nfile 'song.wav'\n");
        Path out2 = dir.resolve("o2");
        BadInputTest.assertError(run(out2, concat.toString()), ExitCodes.IO, "list.ffconcat", "format 'concat'");
        assertNoOutput(out2);
    }

    @Test
    void playlistUrlIsRefused(@TempDir Path dir) throws Exception {
        byte[] body = m3u8().getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/list.m3u8", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            Path out = dir.resolve("o");
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/list.m3u8?sig=secret";
            CliFixture.Run r = run(out, url);
            BadInputTest.assertError(r, ExitCodes.IO, "/list.m3u8?…", "format 'hls'");
            assertFalse(r.err().contains("secret"), r.err());
            assertNoOutput(out);
        } finally {
            server.stop(0);
        }
    }
}
