package dev.demucs.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import dev.demucs.job.queue.JobFiles;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends a file with {@code Content-Length}, {@code Accept-Ranges: bytes} and single byte-range
 * requests ({@code Range: bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) answered with 206 and
 * {@code Content-Range}; an unsatisfiable range gets 416; several ranges are answered with the
 * whole file (allowed by RFC 9110). The file is streamed, never held in memory.
 */
final class FileResponder {
    private static final Pattern RANGE = Pattern.compile("bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*");

    private FileResponder() {
    }

    static String contentType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".mp3")) {
            return "audio/mpeg";
        }
        if (n.endsWith(".wav")) {
            return "audio/wav";
        }
        if (n.endsWith(".m4a")) {
            return "audio/mp4";
        }
        if (n.endsWith(".flac")) {
            return "audio/flac";
        }
        if (n.endsWith(".txt") || n.endsWith(".log")) {
            return "text/plain; charset=utf-8";
        }
        if (n.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }

    /** Sends a job's result file under {@code name}, honouring a single byte range. */
    static void send(Exchange ex, JobFiles.ResultFile file, String name) throws IOException {
        long size = file.bytes();
        long start = 0;
        long end = size - 1;
        int status = 200;
        String range = ex.header("Range");
        if (range != null && !range.contains(",")) {
            Matcher m = RANGE.matcher(range);
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                try {
                    if (m.group(1).isEmpty()) {
                        long suffix = Long.parseLong(m.group(2));
                        start = suffix == 0 ? size : Math.max(0, size - suffix);
                    } else {
                        start = Long.parseLong(m.group(1));
                        if (!m.group(2).isEmpty()) {
                            end = Math.min(end, Long.parseLong(m.group(2)));
                        }
                    }
                } catch (NumberFormatException e) {
                    start = size; // absurdly large numbers: unsatisfiable
                }
                if (start >= size || start > end) {
                    ex.setHeader("Content-Range", "bytes */" + size);
                    throw new ApiException(416, "range '" + JobRequest.clip(range) + "' is outside the file's " + size + " bytes");
                }
                status = 206;
            }
        }
        long length = end - start + 1;
        ex.setHeader("Content-Type", contentType(name));
        ex.setHeader("Accept-Ranges", "bytes");
        ex.setHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
        if (status == 206) {
            ex.setHeader("Content-Range", "bytes " + start + "-" + end + "/" + size);
        }
        try (OutputStream out = ex.startBody(status, length)) {
            if (ex.head() || length == 0) {
                return;
            }
            try (InputStream in = file.open(start)) {
                byte[] buffer = new byte[64 * 1024];
                long left = length;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
        }
    }
}
