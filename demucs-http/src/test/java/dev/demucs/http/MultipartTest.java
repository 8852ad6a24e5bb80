package dev.demucs.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming multipart reader, fed in awkward read sizes. */
class MultipartTest {

    /** Returns at most n bytes per read, so boundaries straddle buffer refills. */
    private static InputStream trickle(byte[] data, int n) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, n));
            }
        };
    }

    static byte[] body(String boundary, byte[] file) {
        return TestSupport.concat(
                ("preamble to ignore\r\n--" + boundary + "\r\n"
                        + "Content-Disposition: form-data; name=\"interval_cut\"\r\n\r\n300,600\r\n--" + boundary + "\r\n"
                        + "Content-Disposition: form-data; name=\"file\"; filename=\"my \\\"song\\\".wav\"\r\n"
                        + "Content-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                file,
                ("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"all_stems\"\r\n\r\ntrue\r\n--"
                        + boundary + "--\r\nepilogue").getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsFieldsAndBinaryFileAtEveryReadSize() throws IOException {
        String boundary = "----b0undary";
        byte[] file = new byte[200_000];
        new Random(1).nextBytes(file);
        // plant near-boundaries inside the file
        byte[] fake = ("\r\n--" + boundary.substring(0, 8)).getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(fake, 0, file, 1000, fake.length);
        System.arraycopy(fake, 0, file, file.length - fake.length, fake.length);
        byte[] body = body(boundary, file);
        for (int n : new int[] {1, 3, 7, 64, 4096, 1 << 20}) {
            Multipart mp = new Multipart(trickle(body, n), boundary);
            Multipart.Part p = mp.next();
            assertEquals("interval_cut", p.name());
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            mp.copyBody(v, 100, "field");
            assertEquals("300,600", v.toString(StandardCharsets.UTF_8));
            p = mp.next();
            assertEquals("file", p.name());
            assertEquals("my \"song\".wav", p.filename());
            assertEquals("audio/wav", p.contentType());
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            assertEquals(file.length, mp.copyBody(f, file.length, "file"));
            assertArrayEquals(file, f.toByteArray(), "read size " + n);
            p = mp.next();
            assertEquals("all_stems", p.name());
            mp.copyBody(OutputStreamSink.INSTANCE, 100, "field");
            assertNull(mp.next());
        }
    }

    @Test
    void limitsAndTruncationAreErrors() {
        String boundary = "xyz";
        byte[] file = new byte[5000];
        byte[] body = body(boundary, file);
        ApiException tooBig = assertThrows(ApiException.class, () -> {
            Multipart mp = new Multipart(trickle(body, 100), boundary);
            mp.next();
            mp.copyBody(new ByteArrayOutputStream(), 100, "field");
            mp.next();
            mp.copyBody(new ByteArrayOutputStream(), 4999, "file");
        });
        assertEquals(413, tooBig.status());
        byte[] truncated = java.util.Arrays.copyOf(body, body.length / 2);
        ApiException cut = assertThrows(ApiException.class, () -> {
            Multipart mp = new Multipart(new ByteArrayInputStream(truncated), boundary);
            while (mp.next() != null) {
                mp.copyBody(new ByteArrayOutputStream(), 1 << 20, "part");
            }
        });
        assertEquals(400, cut.status());
        assertEquals("xyz", Multipart.boundary("multipart/form-data; boundary=xyz"));
        assertEquals("a b", Multipart.boundary("multipart/form-data; charset=utf-8; boundary=\"a b\""));
        assertNull(Multipart.boundary("multipart/form-data"));
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }
    }
}
