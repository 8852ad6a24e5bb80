package dev.demucs.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming reader of a {@code multipart/form-data} body (RFC 7578): parts are read one after
 * the other, a part's body is copied to an output stream as it arrives, so a large file part is
 * never held in memory.
 */
final class Multipart {
    private static final int MAX_HEADER_BYTES = 8 * 1024;
    private static final Pattern PARAM = Pattern.compile("(?i);\\s*([a-z*]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[^;\\s]+)");

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf;
    private int pos;
    private int lim;
    private boolean finished;
    private boolean started;

    /** A part's headers. */
    record Part(String name, String filename, String contentType) {
    }

    Multipart(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[64 * 1024 + delimiter.length];
        // The first boundary has no CRLF before it: read as if there were one.
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /** The boundary parameter of a multipart Content-Type, or {@code null}. */
    static String boundary(String contentType) {
        String b = parameter(contentType, "boundary");
        return b == null || b.isEmpty() || b.length() > 70 ? null : b;
    }

    /** A parameter of a header value such as {@code form-data; name="file"}, or {@code null}. */
    static String parameter(String headerValue, String name) {
        if (headerValue == null) {
            return null;
        }
        Matcher m = PARAM.matcher(headerValue);
        while (m.find()) {
            if (m.group(1).equalsIgnoreCase(name)) {
                return m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(2);
            }
        }
        return null;
    }

    /**
     * Moves to the next part.
     *
     * @return its headers, or {@code null} after the closing boundary
     * @throws ApiException 400 when the body is not well-formed
     */
    Part next() throws IOException {
        if (finished) {
            return null;
        }
        if (!started) {
            started = true;
            copyBody(OutputStream.nullOutputStream(), 64 * 1024, "preamble");
        }
        // After a delimiter: "--" closes, CRLF starts a part (transport padding allowed before it).
        if (!fill(2)) {
            throw malformed("it ends right after a boundary");
        }
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            return null;
        }
        while (buf[pos] == ' ' || buf[pos] == '\t') {
            pos++;
            if (!fill(2)) {
                throw malformed("it ends right after a boundary");
            }
        }
        if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw malformed("a boundary is not followed by a line break");
        }
        pos += 2;
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = 0;
        while (true) {
            String line = readLine();
            headerBytes += line.length() + 2;
            if (headerBytes > MAX_HEADER_BYTES) {
                throw malformed("a part's headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw malformed("a part header has no ':'");
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String disposition = headers.get("content-disposition");
        if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
            throw malformed("a part has no 'Content-Disposition: form-data' header");
        }
        String name = parameter(disposition, "name");
        if (name == null) {
            throw malformed("a part has no name");
        }
        return new Part(name, parameter(disposition, "filename"), headers.get("content-type"));
    }

    /**
     * Copies the current part's body to {@code out}.
     *
     * @return the number of bytes copied
     * @throws ApiException 413 when the part is longer than {@code limit}, 400 when the body ends
     *                      before the closing boundary
     */
    long copyBody(OutputStream out, long limit, String what) throws IOException {
        long total = 0;
        while (true) {
            int found = indexOf(delimiter, pos, lim);
            if (found >= 0) {
                total += found - pos;
                if (total > limit) {
                    throw tooLarge(what, limit);
                }
                out.write(buf, pos, found - pos);
                pos = found + delimiter.length;
                return total;
            }
            int safe = Math.max(pos, lim - (delimiter.length - 1));
            total += safe - pos;
            if (total > limit) {
                throw tooLarge(what, limit);
            }
            out.write(buf, pos, safe - pos);
            pos = safe;
            compact();
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) {
                throw malformed("it ends before the closing boundary");
            }
            lim += n;
        }
    }

    private static ApiException tooLarge(String what, long limit) {
        return new ApiException(413, "multipart " + what + " is larger than the limit of " + limit + " bytes");
    }

    private String readLine() throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            if (!fill(2)) {
                throw malformed("it ends inside a part's headers");
            }
            if (buf[pos] == '\r' && buf[pos + 1] == '\n') {
                pos += 2;
                return s.toString();
            }
            s.append((char) (buf[pos++] & 0xff));
            if (s.length() > MAX_HEADER_BYTES) {
                throw malformed("a part header line is too long");
            }
        }
    }

    /** Ensures {@code n} bytes are buffered; false at the end of the stream. */
    private boolean fill(int n) throws IOException {
        while (lim - pos < n) {
            compact();
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                return false;
            }
            lim += r;
        }
        return true;
    }

    private void compact() {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
    }

    private int indexOf(byte[] needle, int from, int to) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static ApiException malformed(String why) {
        return ApiException.badRequest("malformed multipart/form-data body: " + why);
    }
}
