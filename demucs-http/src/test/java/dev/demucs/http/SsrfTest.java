package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** input_url on non-public addresses is refused (400, no connection) unless allowed; redirects are checked per hop. */
class SsrfTest {

    /** Every address form of issue 11 point 3 and the ones refused before, most aimed at a listening loopback port. */
    private static List<String> refusedUrls(int port, int serverPort) {
        List<String> urls = new ArrayList<>(List.of(
                "http://127.0.0.1:" + port + "/a.mp3", "http://localhost:" + port + "/a.mp3",
                "http://localhost:" + serverPort + "/status", "http://[::1]:" + port + "/a.mp3",
                "http://[::127.0.0.1]:" + port + "/a.mp3", "http://[::ffff:0:7f00:1]:" + port + "/a.mp3",
                "http://[::ffff:7f00:1]:" + port + "/a.mp3", "http://[0:0:0:0:0:ffff:127.0.0.1]:" + port + "/a.mp3",
                "http://2130706433:" + port + "/a.mp3", "http://0x7f.1:" + port + "/a.mp3", "http://127.1:" + port + "/a.mp3",
                "http://0177.0.0.1:" + port + "/a.mp3", "http://0:" + port + "/a.mp3", "http://0.0.0.0:" + port + "/",
                "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "http://[64:ff9b:1::a9fe:a9fe]/", "http://[2002:7f00:1::]/",
                "http://[2001::1]/", "http://[100::1]/", "http://192.0.2.1/", "http://198.51.100.1/", "http://203.0.113.1/",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/a.mp3", "http://172.16.0.1/", "http://192.168.0.1/",
                "http://100.64.0.1/", "http://198.18.0.1/", "http://192.0.0.8/", "http://192.88.99.1/", "http://224.0.0.1/",
                "http://240.0.0.1/", "http://255.255.255.255/", "http://[fc00::1]/", "http://[fe80::1]/", "http://[fec0::1]/",
                "http://[ff02::1]/", "http://[2001:db8::1]/", "http://[2001:10::1]/", "http://[::]:" + port + "/"));
        return urls;
    }

    @Test
    void everyRefusedFormIs400BeforeAnyConnection(@TempDir Path dir) throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).allowPrivateUrls(false).build()).start()) {
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (Socket s = listener.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            TestSupport.Client c = new TestSupport.Client(server);
            for (String url : refusedUrls(listener.getLocalPort(), server.port())) {
                JsonNode e = TestSupport.assertError(c.postJson("/job", "{\"input_url\":\"" + url + "\"}"), 400);
                String error = e.get("error").asText();
                assertTrue(error.contains("refused") || error.contains("dotted-quad"), url + " → " + e);
                assertTrue(error.startsWith("input_url "), error);
            }
            assertEquals(0, c.json("/jobs").get("total").asInt());
            assertEquals(0, connections.get(), "no connection to the loopback listener");
        }
    }

    @Test
    void redirectsToForbiddenTargetsFailTheJob(@TempDir Path dir) throws Exception {
        try (TestSupport.InputServer inputs = new TestSupport.InputServer();
             DemucsServer server = DemucsServer.create(TestSupport.config(dir.resolve("data")).build()).start()) {
            TestSupport.Client c = new TestSupport.Client(server);
            c.awaitModel();
            String id = c.submit(inputs.url("/redirect?to=file%3A%2F%2F%2Fetc%2Fpasswd"), null);
            JsonNode failed = c.awaitStatus(id, "failed");
            assertTrue(failed.get("error").asText().contains("only http and https"), failed.toString());
            assertEquals("error", failed.get("state").asText());
            assertEquals(failed.get("error").asText(), failed.get("details").get("error").asText());
        }
    }
}
