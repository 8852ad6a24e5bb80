package dev.demucs.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** URL checks and submission-time vetting: no connection is ever attempted here. */
class FetcherCheckTest {

    private static final Fetcher PUBLIC = Fetcher.builder(AddressPolicy.PUBLIC_ONLY)
            .dns(host -> switch (host) {
                case "loopback.test" -> List.of(InetAddress.getByName("127.0.0.1"));
                case "metadata.test" -> List.of(InetAddress.getByName("169.254.169.254"));
                case "mixed.test" -> List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.1"));
                case "public.test" -> List.of(InetAddress.getByName("8.8.8.8"));
                case "v6.test" -> List.of(InetAddress.getByName("64:ff9b::a9fe:a9fe"));
                default -> throw new java.net.UnknownHostException(host);
            }).build();
    private static final Fetcher ANY = Fetcher.builder(AddressPolicy.ANY).build();

    @AfterAll
    static void close() {
        PUBLIC.close();
        ANY.close();
    }

    /** Every literal form of issue 11 point 3, plus the ranges refused before. */
    @ParameterizedTest
    @ValueSource(strings = {
        "http://127.0.0.1/a.mp3", "http://[::1]/a.mp3", "http://[::127.0.0.1]/a.mp3", "http://[::ffff:0:7f00:1]/a.mp3",
        "http://[::ffff:7f00:1]/a.mp3", "http://[0:0:0:0:0:ffff:127.0.0.1]/a.mp3", "http://[64:ff9b::a9fe:a9fe]/a.mp3",
        "http://[64:ff9b:1::a9fe:a9fe]/a.mp3", "http://[2002:7f00:1::]/a.mp3", "http://[2001::1]/a.mp3",
        "http://[100::1]/a.mp3", "http://192.0.2.1/a.mp3", "http://198.51.100.7/a.mp3", "http://203.0.113.9/a.mp3",
        "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/",
        "http://100.64.0.1/", "http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/", "http://[fc00::1]/",
        "http://[fe80::1]/", "http://[fec0::1]/", "http://[ff02::1]/", "http://[::]/", "http://[2001:db8::1]/",
        "http://[2001:10::1]/", "http://198.18.0.1/", "http://192.88.99.1/", "http://192.0.0.8/", "http://240.0.0.1/",
        "https://127.0.0.1:8443/x", "http://%31%32%37.0.0.1/", "http://１２７.0.0.1/"})
    void literalFormsAreRefusedWithoutLookup(String url) {
        FetchException e = assertThrows(FetchException.class, () -> PUBLIC.check(url));
        assertEquals(FetchException.Reason.REFUSED_ADDRESS, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("which is refused"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /** Spellings that parsers disagree on: refused outright, under either policy. */
    @ParameterizedTest
    @ValueSource(strings = {"http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://017700000001/",
        "http://0177.0.0.1/", "http://127.1/", "http://127.000.000.001/", "http://0/", "http://example.0x1/"})
    void ambiguousNumericHostsAreBadUrls(String url) {
        for (Fetcher f : List.of(PUBLIC, ANY)) {
            FetchException e = assertThrows(FetchException.class, () -> f.check(url));
            assertEquals(FetchException.Reason.BAD_URL, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("dotted-quad"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "ftp://example.com/a.mp3", "gopher://x/", "data:audio/wav;base64,AAAA",
        "jar:file:/x!/y", "/etc/passwd", "example.com/a.mp3", "http://", ""})
    void nonHttpUrlsAreBadUrls(String url) {
        FetchException e = assertThrows(FetchException.class, () -> ANY.check(url));
        assertEquals(FetchException.Reason.BAD_URL, e.reason(), e.getMessage());
    }

    @Test
    void credentialsAreRefusedAndNeverShown() {
        FetchException e = assertThrows(FetchException.class, () -> ANY.check("http://user:s3cret@example.com/a.mp3?sig=abc"));
        assertEquals(FetchException.Reason.BAD_URL, e.reason());
        assertFalse(e.getMessage().contains("s3cret") || e.getMessage().contains("user:") || e.getMessage().contains("abc"),
                e.getMessage());
    }

    @Test
    void anyPolicyAcceptsLoopbackAndPrivateLiterals() {
        assertEquals("127.0.0.1", ANY.check("http://127.0.0.1:8080/a.mp3").host());
        assertEquals("::1", ANY.check("http://[::1]/a.mp3").host());
        assertEquals("192.168.1.10", ANY.check("http://192.168.1.10/m.onnx").host());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://loopback.test/a.mp3", "http://metadata.test/", "http://mixed.test/", "http://v6.test/"})
    void namesResolvingToRefusedAddressesAreRefusedAtSubmission(String url) {
        FetchException e = assertThrows(FetchException.class, () -> PUBLIC.vet(url, Duration.ofSeconds(30)));
        assertEquals(FetchException.Reason.REFUSED_ADDRESS, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("resolves to"), e.getMessage());
    }

    @Test
    void publicNamesPassAndUnknownNamesAreNamed() {
        assertEquals("public.test", PUBLIC.vet("https://public.test/a.mp3?sig=1", Duration.ofSeconds(30)).host());
        FetchException e = assertThrows(FetchException.class, () -> PUBLIC.vet("http://nowhere.test/", Duration.ofSeconds(30)));
        assertEquals(FetchException.Reason.UNKNOWN_HOST, e.reason(), e.getMessage());
    }

    @Test
    void lookupsRunOnTheFetchersThreadsWithABoundedWait() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Fetcher slow = Fetcher.builder(AddressPolicy.PUBLIC_ONLY).dns(host -> {
            threads.add(Thread.currentThread().getName());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(InetAddress.getByName("8.8.8.8"));
        }).build()) {
            FetchException e = assertThrows(FetchException.class, () -> slow.vet("http://slow.test/", Duration.ofMillis(200)));
            assertEquals(FetchException.Reason.TIMEOUT, e.reason(), e.getMessage());
            release.countDown();
            assertEquals("slow.test", slow.vetAsync("http://slow.test/").get().host());
            assertFalse(threads.isEmpty());
            assertTrue(threads.stream().allMatch(t -> t.startsWith("demucs-net-lookup-")), threads.toString());
        }
    }

    @Test
    void redactDropsUserInfoQueryAndFragment() {
        assertEquals("https://h.example/p/a.mp3?…", Fetcher.redact("https://u:p@h.example/p/a.mp3?X-Amz-Signature=1#f"));
        assertEquals("http://[::1]:8080/a", Fetcher.redact("http://[::1]:8080/a"));
        assertEquals("ftp://h/x?…", Fetcher.redact("ftp://u:pw@h/x?secret"));
    }
}
