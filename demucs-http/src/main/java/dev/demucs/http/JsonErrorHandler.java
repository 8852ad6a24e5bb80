package dev.demucs.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a malformed request line or Content-Length, headers over the limit,
 * a URI it refuses, an exhausted thread pool) as the API's JSON errors instead of Jetty's HTML
 * page; 429 and 503 carry {@code Retry-After}.
 */
final class JsonErrorHandler extends ErrorHandler {
    static final String RETRY_AFTER_SECONDS = "30";

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        byte[] body = body(code, message);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        retryAfter(code, headers);
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, HttpStatus.hasNoBody(code) ? null : ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        fields.put(HttpHeader.CACHE_CONTROL, "no-store");
        retryAfter(status, fields);
        return ByteBuffer.wrap(body(status, reason));
    }

    private static void retryAfter(int code, HttpFields.Mutable headers) {
        if (code == 429 || code == 503) {
            headers.put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
    }

    private static byte[] body(int code, String message) {
        String reason = HttpStatus.getMessage(code);
        String text = message == null || message.isBlank() || message.equals(reason)
                ? reason : reason + ": " + message;
        return Json.error(JobRequest.clip(text.replaceAll("\\s+", " ").trim()).replace("Exception", "error"))
                .toString().getBytes(StandardCharsets.UTF_8);
    }
}
