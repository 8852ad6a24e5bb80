package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Address classification and URL checks of the SSRF guard (literal addresses: no DNS needed). */
class UrlGuardTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "0.0.0.0", "0.1.2.3", "100.64.0.1", "100.127.255.255", "224.0.0.1", "255.255.255.255",
            "240.0.0.1", "198.18.0.1", "192.0.0.8", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2001:db8::1"})
    void nonPublicAddressesAreRefused(String literal) throws Exception {
        assertNotNull(UrlGuard.nonPublicReason(InetAddress.getByName(literal)), literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
            "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"})
    void publicAddressesPass(String literal) throws Exception {
        assertNull(UrlGuard.nonPublicReason(InetAddress.getByName(literal)), literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8185/x.mp3", "http://localhost/x.mp3", "http://[::1]/a", "http://10.0.0.5/a",
            "http://169.254.169.254/latest/meta-data/", "https://192.168.0.10/a.wav", "http://0.0.0.0/", "http://[::ffff:7f00:1]/"})
    void privateUrlsAreRefusedUnlessAllowed(String url) {
        ApiException e = assertThrows(ApiException.class, () -> new UrlGuard(false).check(url));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertEquals(url, new UrlGuard(true).check(url).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com/a.mp3", "file:///etc/passwd", "gopher://example.com/", "jar:file:/x!/y",
            "http:///nohost", "not a url", "", "http://user:secret@8.8.8.8/a.mp3"})
    void badUrlsAreRefusedEvenWhenPrivateAllowed(String url) {
        ApiException e = assertThrows(ApiException.class, () -> new UrlGuard(true).check(url));
        assertEquals(400, e.status());
        assertFalse(e.getMessage().contains("secret"), "no credentials in the message");
    }

    @Test
    void messagesHideTheQueryString() {
        ApiException e = assertThrows(ApiException.class,
                () -> new UrlGuard(false).check("http://127.0.0.1/a.mp3?X-Amz-Signature=abcdef"));
        assertFalse(e.getMessage().contains("abcdef"), e.getMessage());
        assertEquals("https://h.example/p?…", UrlGuard.redact(URI.create("https://h.example/p?sig=1")));
    }
}
